"""Sentry: on only with SENTRY_DSN, and what it would send carries no personal data or secret."""

import json
import os
import subprocess
import sys

import sentry_sdk
from django.conf import settings
from sentry_sdk.transport import Transport

from config.sentry import sentry_options
from deploy.local.live import ROOT

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiNyJ9.c2VudHJ5LXNpZ25hdHVyZQ"
SECRETS = (
    "sentry-pass-1",
    "sentry-refresh-1",
    "sentry-access-1",
    "eyJ1c2VyX2lkIjoiNyJ9",
    "c2VudHJ5LXNpZ25hdHVyZQ",
    "cookie-session-1",
    "db-pass-2",
    "query-token-1",
    "local-pass-3",
    "nested-key-4",
)
# A closed loopback port: nothing can leave the machine even if the SDK tried to send.
DSN = "http://public-key@127.0.0.1:9/1"


def crafted_event() -> dict:
    return {
        "level": "error",
        "message": f"login failed for Bearer {JWT}",
        "exception": {
            "values": [
                {
                    "type": "OperationalError",
                    "value": "could not connect to postgresql://finance:db-pass-2@db:5432/finance",
                    "stacktrace": {
                        "frames": [
                            {"function": "login", "vars": {"password": "local-pass-3", "email": "a@b.c"}}
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": "https://api.example.com/auth/refresh",
            "method": "POST",
            "query_string": "token=query-token-1&page=2",
            "headers": {
                "Authorization": f"Bearer {JWT}",
                "Cookie": "sessionid=cookie-session-1",
                "Content-Type": "application/json",
            },
            "cookies": {"sessionid": "cookie-session-1"},
            "data": {"password": "sentry-pass-1", "refresh": "sentry-refresh-1"},
        },
        "extra": {"payload": {"access": "sentry-access-1", "settings": {"api_key": "nested-key-4"}}},
        "breadcrumbs": {"values": [{"category": "auth", "message": "refresh=sentry-refresh-1 accepted"}]},
    }


def test_it_is_off_without_a_dsn():
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


def test_it_turns_on_with_a_dsn_without_personal_data_or_locals():
    code = (
        "import json, sentry_sdk, config.settings; client = sentry_sdk.get_client(); "
        "print(json.dumps({'active': client.is_active(), 'pii': client.options['send_default_pii'], "
        "'locals': client.options['include_local_variables'], "
        "'before_send': client.options['before_send'].__qualname__, 'env': client.options['environment']}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT / "src"),
            "SENTRY_DSN": DSN,
            "SENTRY_ENVIRONMENT": "staging",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    state = json.loads(result.stdout.splitlines()[-1])
    assert state == {
        "active": True,
        "pii": False,
        "locals": False,
        "before_send": "scrub_event",
        "env": "staging",
    }


def test_the_scrubber_and_before_send_remove_every_secret_of_a_crafted_event():
    options = sentry_options(dsn=DSN, environment="test")
    event = crafted_event()

    options["event_scrubber"].scrub_event(event)  # the order the SDK applies them in
    event = options["before_send"](event, {})

    text = json.dumps(event)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "data" not in event["request"]
    assert "cookies" not in event["request"]
    assert event["request"]["headers"]["Content-Type"] == "application/json"
    assert event["request"]["url"] == "https://api.example.com/auth/refresh"
    assert event["exception"]["values"][0]["type"] == "OperationalError"


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


def fail_with_secrets():
    password = "local-pass-3"  # noqa: F841 - a local the SDK must not send
    token = JWT  # noqa: F841
    raise RuntimeError(
        "refresh failed", {"refresh": "sentry-refresh-1", "dsn": "postgresql://finance:db-pass-2@db/finance"}
    )


def test_the_real_client_sends_no_locals_and_no_secrets():
    transport = CapturingTransport()
    options = {k: v for k, v in sentry_options(dsn=DSN, environment="test").items() if k != "integrations"}
    client = sentry_sdk.Client(**options, transport=transport, default_integrations=False)
    with sentry_sdk.isolation_scope() as scope:
        scope.set_client(client)
        scope.set_extra("credentials", {"access": "sentry-access-1"})
        try:
            fail_with_secrets()
        except RuntimeError:
            sentry_sdk.capture_exception()
    client.close()

    [envelope] = transport.envelopes
    [event] = [item.payload.json for item in envelope.items if item.type == "event"]
    text = json.dumps(event)
    assert "RuntimeError" in text
    assert "fail_with_secrets" in text
    assert all("vars" not in frame for frame in event["exception"]["values"][0]["stacktrace"]["frames"])
    for secret in SECRETS:
        assert secret not in text, secret


# A request to a download link that fails inside the view, in a fresh interpreter with Sentry on (its Django
# integration patches Django for the whole process): the events the SDK would send are printed as JSON.
_DOWNLOAD_FAILURE = """
import json, logging, os, wsgiref.util
import sentry_sdk
from sentry_sdk.transport import Transport
from config.wsgi import application
from finance.exports.api import ExportDownloadView

class Capture(Transport):
    envelopes = []
    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

sentry_sdk.get_client().transport = Capture()
token = os.environ.pop("DOWNLOAD_TOKEN")  # not in argv: the SDK reports the command line

def broken(self, request, token):
    logging.getLogger("finance.exports").info("serving /exports/download/%s", token)
    raise RuntimeError("the file store fell over")

ExportDownloadView.get = broken
environ = {"PATH_INFO": f"/exports/download/{token}", "QUERY_STRING": "x=1", "HTTP_HOST": "localhost"}
wsgiref.util.setup_testing_defaults(environ)
statuses = []
b"".join(application(environ, lambda status, headers, *_: statuses.append(status)))
sentry_sdk.flush()
events = [item.payload.json for envelope in Capture.envelopes for item in envelope.items if item.type == "event"]
print(json.dumps({"status": statuses[0], "events": events}))
"""


def test_a_download_token_reaches_sentry_neither_in_the_request_url_nor_in_breadcrumbs():
    token = "eyJrZXkiOiJleHBvcnRzLzcvZmlsZS5jc3YifQ:1uSentry:c2lnbmF0dXJlLW9mLXRoZS1saW5r"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_") and k != "DATABASE_URL"}
    env.update(
        {"PYTHONPATH": str(ROOT / "src"), "SENTRY_DSN": DSN, "DJANGO_SETTINGS_MODULE": "config.settings"}
    )
    result = subprocess.run(
        [sys.executable, "-c", _DOWNLOAD_FAILURE],
        env={**env, "DOWNLOAD_TOKEN": token},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["status"].startswith("500")
    events = outcome["events"]
    assert events, "the failure reached no Sentry event"
    request_urls = [event["request"]["url"] for event in events if "request" in event]
    assert "http://localhost/exports/download/[redacted]" in request_urls
    crumbs = json.dumps([event.get("breadcrumbs") for event in events])
    assert "/exports/download/[redacted]" in crumbs
    text = json.dumps(events)
    for part in token.split(":"):
        assert part not in text, part
