"""Sentry, on only when SENTRY_DSN is set; events are scrubbed with the same redaction as the logs."""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from config.logging import SECRET_KEYS, redact


def scrub_event(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    """before_send: drop request bodies and cookies, then redact secrets anywhere in the event."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
    return redact(event)


def sentry_options(*, dsn: str, environment: str, release: str = "") -> dict[str, Any]:
    return {
        "dsn": dsn,
        "environment": environment,
        "release": release or None,
        # No user emails, ip addresses, cookies or request bodies; no frame locals (they hold passwords).
        "send_default_pii": False,
        "include_local_variables": False,
        "max_request_body_size": "never",
        # Only the integrations listed here: no surprise instrumentation of whatever else is installed.
        "auto_enabling_integrations": False,
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        # The SDK's scrubber matches exact key names and misses `access`/`refresh`: add ours, recursively.
        "event_scrubber": EventScrubber(denylist=sorted(set(DEFAULT_DENYLIST) | SECRET_KEYS), recursive=True),
        "before_send": scrub_event,
        "traces_sample_rate": 0.0,
    }


def init_sentry(*, dsn: str, environment: str, release: str = "") -> None:
    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment, release=release))
