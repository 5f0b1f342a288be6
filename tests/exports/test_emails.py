"""Emails go out as tasks after the commit: a welcome on registration, a link when an export is ready."""

from tests.exports.support import request_export, transactions_csv, use_s3
from tests.factories import PASSWORD


def test_registration_sends_a_welcome_email(db, api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/auth/register", {"email": "Ann@Example.com", "password": PASSWORD}, format="json"
        )
    assert response.status_code == 201
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ann@example.com"]
    assert message.subject == "Welcome to Finance API"
    assert message.from_email == "Finance API <no-reply@localhost>"
    assert PASSWORD not in message.body


def test_a_refused_registration_sends_nothing(api, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/auth/register", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 409
    assert mailoutbox == []


def test_a_finished_export_mails_a_working_link(
    client, api, user, ledger, mailoutbox, django_capture_on_commit_callbacks
):
    request_export(client, django_capture_on_commit_callbacks, report="transactions")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject == "Your export is ready"
    assert "(3 rows)" in message.body
    (link,) = [line for line in message.body.splitlines() if line.startswith("https://")]
    assert link.startswith("https://finance.example.com/exports/download/")
    response = api.get(link.removeprefix("https://finance.example.com"))
    assert b"".join(response.streaming_content) == transactions_csv(ledger)


def test_a_failed_export_mails_nothing(
    client, ledger, s3, settings, mailoutbox, django_capture_on_commit_callbacks
):
    use_s3(settings, bucket="exports-missing-bucket", endpoint=s3.endpoint)
    request_export(client, django_capture_on_commit_callbacks, report="summary")
    assert mailoutbox == []
