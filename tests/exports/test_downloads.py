"""Local storage (no S3): files on disk behind links the app signs; altered or expired links are refused."""

import time

import pytest
from django.core import signing

from finance.exports.models import Export
from finance.exports.storage import exports_storage
from tests.exports.support import request_export, transactions_csv, use_s3


@pytest.fixture
def done_export(client, ledger, django_capture_on_commit_callbacks) -> int:
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    assert Export.objects.get(pk=export_id).status == "done"
    return export_id


def link_path(client, export_id: int) -> str:
    return client.get(f"/exports/{export_id}").json()["url"].removeprefix("http://testserver")


def test_the_signed_link_downloads_without_a_token(api, client, ledger, done_export):
    response = api.get(link_path(client, done_export))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == transactions_csv(ledger)


def test_an_altered_link_is_refused(api, client, done_export, tmp_path):
    path = link_path(client, done_export)
    token = path.removeprefix("/exports/download/")
    payload, _, signature = token.rpartition(":")
    forged_signature = f"{payload}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    other_key = signing.dumps({"key": "exports/1/../../etc/passwd", "filename": "x.csv"}, salt="another")
    for bad in (forged_signature, token[:-3], other_key, "not-a-token"):
        response = api.get(f"/exports/download/{bad}")
        assert response.status_code == 403, bad
        assert response.json()["detail"] == "This download link is not valid."


def test_an_expired_link_is_refused(api, client, done_export, settings, monkeypatch):
    """The link is signed an hour ago (the signer's clock is moved back); the TTL is 15 minutes."""
    an_hour_ago = signing.b62_encode(int(time.time()) - 3600)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: an_hour_ago)
    path = link_path(client, done_export)
    monkeypatch.undo()
    response = api.get(path)
    assert response.status_code == 403
    assert response.json()["detail"] == "This download link has expired; ask for the export again."
    settings.EXPORT_URL_TTL = 7200
    assert api.get(path).status_code == 200


def test_a_link_to_a_deleted_export_is_not_found(api, client, done_export):
    path = link_path(client, done_export)
    assert client.delete(f"/exports/{done_export}").status_code == 204
    assert api.get(path).status_code == 404


def test_links_are_not_served_by_the_app_when_files_live_in_s3(api, client, done_export, settings, s3):
    path = link_path(client, done_export)
    use_s3(settings, bucket=s3.bucket, endpoint=s3.endpoint)
    assert api.get(path).status_code == 404


def test_the_file_lands_under_the_users_prefix_on_disk(client, user, done_export):
    key = Export.objects.get(pk=done_export).object_key
    assert key.startswith(f"exports/{user.pk}/")
    assert exports_storage().size(key) == client.get(f"/exports/{done_export}").json()["size_bytes"]


def test_a_deactivated_owners_links_stop_working_at_once(api, client, user, done_export):
    path = link_path(client, done_export)
    assert api.get(path).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert not hasattr(response, "streaming_content")
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert api.get(path).status_code == 200
