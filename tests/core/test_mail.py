import logging

from django.core.mail import send_mail


def test_without_smtp_an_email_is_one_log_line_without_address_or_body(settings, caplog):
    settings.EMAIL_BACKEND = "finance.core.mail.LogEmailBackend"
    with caplog.at_level(logging.INFO, logger="finance.mail"):
        sent = send_mail(
            "Your export is ready", "https://example.com/x?signature=y", None, ["ann@example.com"]
        )
    assert sent == 1
    (record,) = [r for r in caplog.records if r.name == "finance.mail"]
    assert record.msg["event"] == "email.not_sent"
    assert record.msg["subject"] == "Your export is ready"
    assert record.msg["recipients"] == 1
    assert "ann@example.com" not in str(record.msg)
    assert "signature" not in str(record.msg)
