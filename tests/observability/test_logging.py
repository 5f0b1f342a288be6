"""The log an operator reads: JSON lines on stdout, one request line per request, request ids everywhere."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client

from deploy.local.live import ROOT
from tests.observability import urls as test_urls

# Importing the settings is what configures logging in every process (manage.py, gunicorn workers, Celery).
PROBE = """
import logging, structlog
import config.settings
structlog.get_logger("finance.probe").info("probe.ours", answer=42)
structlog.get_logger("finance.probe").debug("probe.debug")
logging.getLogger("django.security.DisallowedHost").warning("probe from %s", "django")
logging.getLogger("gunicorn.error").info("probe from gunicorn")
"""


def run_probe(**env: str) -> subprocess.CompletedProcess:
    """Configure logging exactly as the app does, in a fresh interpreter, and log through each kind of logger."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LOG_", "SENTRY_"))}
    base.update({"PYTHONPATH": str(ROOT / "src"), "DJANGO_ENV": "development"})
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_it_writes_django_gunicorn_and_own_lines_as_json_objects_on_stdout():
    result = run_probe(LOG_FORMAT="json", LOG_LEVEL="INFO")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_event = {line["event"]: line for line in lines}
    assert set(by_event) == {"probe.ours", "probe from django", "probe from gunicorn"}
    assert by_event["probe.ours"]["answer"] == 42
    assert by_event["probe.ours"]["level"] == "info"
    assert by_event["probe.ours"]["logger"] == "finance.probe"
    assert by_event["probe from django"]["level"] == "warning"
    assert by_event["probe from django"]["logger"] == "django.security.DisallowedHost"
    assert by_event["probe from gunicorn"]["logger"] == "gunicorn.error"
    assert all(re.match(r"\d{4}-\d\d-\d\dT", line["timestamp"]) for line in lines)
    assert "probe" not in result.stderr


def test_it_writes_readable_console_lines_and_honours_the_level():
    result = run_probe(LOG_FORMAT="console", LOG_LEVEL="WARNING")
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines
    assert "probe from django" in lines[0]
    assert "warning" in lines[0]
    assert not lines[0].startswith("{")


def test_it_writes_debug_lines_at_level_debug():
    result = run_probe(LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    assert "probe.debug" in {json.loads(line)["event"] for line in result.stdout.splitlines()}


@pytest.mark.django_db
def test_it_writes_one_request_line_with_route_status_duration_user_and_client(client, account, user, logs):
    response = client.get(f"/accounts/{account.pk}", HTTP_X_REQUEST_ID="req-0001-abcdef")

    assert response.status_code == 200
    [line] = logs.events("request.finished")
    assert line["request_id"] == "req-0001-abcdef"
    assert line["method"] == "GET"
    assert line["route"] == "/accounts/<id:pk>"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["user_id"] == user.pk
    assert line["client_ip"] == "127.0.0.1"
    assert line["level"] == "info"
    assert line["logger"] == "finance.request"


@pytest.mark.django_db
def test_it_logs_client_errors_as_warnings(client, logs):
    assert client.get("/accounts/987654").status_code == 404
    assert client.get("/no/such/path").status_code == 404

    known, unknown = logs.events("request.finished")
    assert (known["route"], known["status"], known["level"]) == ("/accounts/<id:pk>", 404, "warning")
    assert (unknown["route"], unknown["status"], unknown["level"]) == ("unmatched", 404, "warning")
    assert known["user_id"] is not None


@pytest.mark.django_db
def test_it_leaves_the_user_empty_before_authentication(api, logs):
    assert api.get("/accounts").status_code == 401
    [line] = logs.events("request.finished")
    assert line["user_id"] is None
    assert line["status"] == 401


@pytest.mark.django_db
def test_it_trusts_x_forwarded_for_only_from_trusted_proxies(api, settings, logs):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    api.get("/health/live", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    api.get(
        "/health/live", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9, 10.0.0.2"
    )
    api.get("/health/live", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert [line["client_ip"] for line in logs.events("request.finished")] == [
        "203.0.113.9",
        "203.0.113.9",  # the rightmost address our proxy did not add; the client may forge the rest
        "198.51.100.7",  # not one of our proxies: the header is the client's own claim
    ]


@pytest.mark.django_db
def test_it_logs_unhandled_exceptions_as_errors_with_traceback_and_request_id(settings, logs):
    settings.ROOT_URLCONF = "tests.observability.urls"
    response = Client(raise_request_exception=False).get("/test/boom", HTTP_X_REQUEST_ID="boom-request-0001")

    assert response.status_code == 500
    assert response.json()["request_id"] == "boom-request-0001"
    [exception] = logs.events("request.unhandled_exception")
    assert exception["level"] == "error"
    assert exception["request_id"] == "boom-request-0001"
    assert "Traceback (most recent call last)" in exception["exception"]
    assert "RuntimeError: ('upstream refused the call'" in exception["exception"]
    [request] = logs.events("request.finished")
    assert (request["status"], request["level"], request["route"]) == (500, "error", "/test/boom")
    for secret in (test_urls.SECRET_PASSWORD, "db-pass-never-logged", test_urls.SECRET_TOKEN):
        assert secret not in logs.text


@pytest.mark.django_db
def test_it_keeps_a_well_formed_request_id_and_returns_it(api, logs):
    response = api.get("/health/live", HTTP_X_REQUEST_ID="edge-7f3a9c21")
    assert response["X-Request-ID"] == "edge-7f3a9c21"
    assert logs.events("request.finished")[0]["request_id"] == "edge-7f3a9c21"


@pytest.mark.parametrize(
    "incoming", ["short", "has spaces in it", "x" * 129, "semi;colon-12345", "line\\nbreak-123456"]
)
@pytest.mark.django_db
def test_it_replaces_a_malformed_request_id(api, logs, incoming):
    response = api.get("/no/such/path", HTTP_X_REQUEST_ID=incoming)

    generated = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert response.json()["request_id"] == generated
    assert logs.events("request.finished")[0]["request_id"] == generated
    assert incoming not in logs.text


@pytest.mark.django_db(transaction=True)
def test_it_binds_the_request_id_to_every_line_of_the_request(client, logs):
    response = client.post("/accounts", {"name": "Wallet", "currency": "EUR"}, format="json")

    assert response.status_code == 201
    request_id = response["X-Request-ID"]
    lines = logs.lines()
    assert {"account.created", "request.finished"} <= {line["event"] for line in lines}
    assert all(line.get("request_id") == request_id for line in lines), lines


@pytest.mark.django_db
def test_it_returns_the_request_id_in_error_bodies(api):
    response = api.post("/auth/login", {"email": "nobody@example.com"}, format="json")
    assert response.status_code == 400
    assert response.json()["request_id"] == response["X-Request-ID"]
