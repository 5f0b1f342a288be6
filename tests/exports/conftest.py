"""Exports run their tasks inline here (eager Celery) and keep files in a temporary directory; the S3 tests
switch the storage to a real S3 HTTP API on loopback (moto's server mode)."""

import secrets

import pytest
from moto.server import ThreadedMotoServer

from config.celery import app as celery_app
from deploy.local.live import free_port
from tests.exports.support import S3, local_storages, make_ledger, s3_client, use_s3


@pytest.fixture(autouse=True)
def _inline_tasks_and_local_files(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    settings.STORAGES = local_storages(settings.STORAGES, tmp_path / "exports")
    settings.EXPORT_URL_TTL = 900
    settings.EXPORTS_MAX_IN_FLIGHT = 3
    settings.EXPORT_MAX_RETRIES = 2
    settings.PUBLIC_BASE_URL = "https://finance.example.com"


@pytest.fixture(scope="session")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint) -> S3:
    """A fresh private bucket on the moto server, and the exports storage pointed at it."""
    bucket = f"exports-{secrets.token_hex(6)}"
    client = s3_client(moto_endpoint)
    client.create_bucket(Bucket=bucket)
    use_s3(settings, bucket=bucket, endpoint=moto_endpoint)
    return S3(endpoint=moto_endpoint, bucket=bucket, client=client)


@pytest.fixture
def ledger(user):
    return make_ledger(user)
