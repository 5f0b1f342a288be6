"""Sentry, on only when SENTRY_DSN is set; events are scrubbed with the same redaction as the logs."""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

from config.logging import SECRET_KEYS, redact


def scrub_event(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
    return redact(event)


def init_sentry(*, dsn: str, environment: str, release: str = "") -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        event_scrubber=EventScrubber(denylist=sorted(set(DEFAULT_DENYLIST) | SECRET_KEYS), recursive=True),
        before_send=scrub_event,
        traces_sample_rate=0.0,
    )
