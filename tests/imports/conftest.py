"""Imports run their tasks inline here (eager Celery) and keep files in a temporary directory; the S3 tests
switch the storage to a real S3 HTTP API on loopback (moto's server mode, the export tests' fixture)."""

import secrets

import pytest

from config.celery import app as celery_app
from tests.exports.conftest import moto_endpoint  # noqa: F401 - a fixture, shared with the export tests
from tests.exports.support import S3, local_storages, s3_client, use_s3


@pytest.fixture(autouse=True)
def _inline_tasks_and_local_files(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    settings.STORAGES = local_storages(settings.STORAGES, tmp_path / "files")


@pytest.fixture
def s3(settings, moto_endpoint) -> S3:  # noqa: F811 - the fixture above, by name
    bucket = f"imports-{secrets.token_hex(6)}"
    client = s3_client(moto_endpoint)
    client.create_bucket(Bucket=bucket)
    use_s3(settings, bucket=bucket, endpoint=moto_endpoint)
    return S3(endpoint=moto_endpoint, bucket=bucket, client=client)


from tests.observability.conftest import logs  # noqa: E402, F401 - the log capture, shared with those tests
