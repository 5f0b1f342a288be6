import logging

import pytest
from django.core.mail import send_mail

from tests.factories import PASSWORD


def test_without_smtp_an_email_is_one_log_line_without_address_or_body(settings, caplog):
    settings.EMAIL_BACKEND = "finance.core.mail.LogEmailBackend"
    with caplog.at_level(logging.INFO, logger="finance.mail"):
        sent = send_mail(
            "Your export is ready", "https://example.com/x?signature=y", None, ["ann@example.com"]
        )
    assert sent == 0  # nothing left the machine
    (record,) = [r for r in caplog.records if r.name == "finance.mail"]
    assert record.msg["event"] == "email.not_sent"
    assert record.msg["subject"] == "Your export is ready"
    assert record.msg["recipients"] == 1
    assert "ann@example.com" not in str(record.msg)
    assert "signature" not in str(record.msg)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend", "events"),
    [
        ("finance.core.mail.LogEmailBackend", ["email.not_sent"]),
        ("django.core.mail.backends.locmem.EmailBackend", ["email.sent"]),
    ],
)
def test_the_welcome_email_is_logged_as_sent_only_when_it_left(
    api, settings, caplog, django_capture_on_commit_callbacks, backend, events
):
    settings.EMAIL_BACKEND = backend
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/auth/register", {"email": "mail@example.com", "password": PASSWORD}, format="json"
        )
    assert response.status_code == 201
    logged = [r.msg["event"] for r in caplog.records if isinstance(r.msg, dict)]
    assert [event for event in logged if event.startswith("email.")] == events
