"""End to end with real processes: gunicorn takes the request, a Celery worker (solo pool) consumes the task
from Redis, uploads to the S3 API on loopback (moto), and the presigned link downloads the file."""

import secrets
from dataclasses import dataclass

import pytest
import redis

from deploy.local.live import (
    PYTHON,
    Gunicorn,
    Process,
    app_env,
    http,
    live_database,
    migrate,
    redis_url,
    wait_until,
)
from tests.exports.support import KEYS, REGION, s3_client

pytestmark = pytest.mark.process


@dataclass
class Stack:
    app: Gunicorn
    worker: Process
    bucket: str
    s3: object


@pytest.fixture(scope="module")
def stack(moto_endpoint):
    if redis_url() is None:
        pytest.skip("the Celery broker needs Redis: none at REDIS_URL or 127.0.0.1:6379")
    bucket = f"exports-live-{secrets.token_hex(4)}"
    queue = f"exports-test-{secrets.token_hex(4)}"
    with live_database() as database_url:
        env = app_env(
            database_url,
            S3_BUCKET=bucket,
            S3_ENDPOINT_URL=moto_endpoint,
            S3_REGION=REGION,
            S3_ACCESS_KEY_ID=KEYS["access_key"],
            S3_SECRET_ACCESS_KEY=KEYS["secret_key"],
            CELERY_TASK_ALWAYS_EAGER="false",
            # A queue of its own: no other run's messages reach this worker, and none of ours leak out.
            CELERY_QUEUE=queue,
            EXPORT_URL_TTL="600",
        )
        # The worker starts while the database migrates: it touches the database only when a task comes.
        worker = Process(
            [PYTHON, "-m", "celery", "-A", "config.celery", "worker", "--pool=solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            env=env,
            name="celery",
        )  # fmt: skip
        app = None
        try:
            s3 = s3_client(moto_endpoint)
            s3.create_bucket(Bucket=bucket)
            migrate(env)
            app = Gunicorn(env, workers=1, threads=2)
            yield Stack(app=app, worker=worker, bucket=bucket, s3=s3)
        finally:
            if app is not None:
                app.close()
            worker.close()
            broker = redis.Redis.from_url(env["REDIS_URL"])
            broker.delete(*broker.scan_iter(match=f"*{queue}*"), queue)


def call(stack: Stack, method: str, path: str, token: str | None = None, body: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http(method, f"{stack.app.url}{path}", body=body, headers=headers)


def test_a_worker_builds_the_export_and_the_presigned_link_downloads_it(stack):
    credentials = {"email": "worker@example.com", "password": "correct-horse-battery-9"}
    assert call(stack, "POST", "/auth/register", body=credentials)[0] == 201
    token = call(stack, "POST", "/auth/login", body=credentials)[2]["access"]
    account = call(stack, "POST", "/accounts", token, {"name": "Wallet", "currency": "EUR"})[2]["id"]
    rent = call(stack, "POST", "/categories", token, {"name": "Rent", "type": "expense"})[2]["id"]
    tx = {"account": account, "category": rent, "type": "expense", "date": "2026-03-01"}
    first = call(stack, "POST", "/transactions", token, {**tx, "amount": "800.00", "description": "March"})[2]
    second = call(stack, "POST", "/transactions", token, {**tx, "amount": "5", "description": "+fee"})[2]

    status, headers, export = call(
        stack, "POST", "/exports", token, {"report": "transactions", "from": "2026-03-01", "to": "2026-03-31"}
    )
    assert status == 202, export
    assert export["status"] == "pending"

    def finished() -> bool:
        return call(stack, "GET", f"/exports/{export['id']}", token)[2]["status"] in {"done", "failed"}

    wait_until(finished, timeout=90, what="the worker to finish the export")
    done = call(stack, "GET", f"/exports/{export['id']}", token)[2]
    assert done["status"] == "done", (done, stack.worker.output()[-3000:])
    assert done["row_count"] == 2

    status, _, body = http("GET", done["url"])
    assert status == 200
    assert body == (
        "id,date,type,account,category,amount,currency,description,direction,transfer,counterpart_account\r\n"
        f"{second['id']},2026-03-01,expense,Wallet,Rent,5.00,EUR,'+fee,out,,\r\n"
        f"{first['id']},2026-03-01,expense,Wallet,Rent,800.00,EUR,March,out,,\r\n"
    )
    (key,) = [item["Key"] for item in stack.s3.list_objects_v2(Bucket=stack.bucket)["Contents"]]
    assert done["url"].split("?")[0].endswith(f"/{stack.bucket}/{key}")

    # The worker did the work, its log lines carry the request id of the POST, and it mailed the link.
    completed = [line for line in stack.worker.json_lines() if line.get("event") == "export.completed"]
    assert [line["export_id"] for line in completed] == [export["id"]]
    assert completed[0]["request_id"] == headers["X-Request-ID"]
    assert not [line for line in stack.app.process.json_lines() if line.get("event") == "export.completed"]

    # Without SMTP the worker logs each email as a JSON line (subject only, no address or link).
    def mailed() -> set[str]:
        return {
            line["subject"] for line in stack.worker.json_lines() if line.get("event") == "email.not_sent"
        }

    wait_until(lambda: "Your export is ready" in mailed(), what="the export-ready email")
    assert "Welcome to Finance API" in mailed()
    assert "worker@example.com" not in stack.worker.output()
