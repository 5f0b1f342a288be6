"""Exports against a real S3 HTTP API on loopback (moto's server mode), downloaded with a plain HTTP client.

moto checks that a request is signed (an unsigned GET of a private object is refused) but does not verify
presigned signatures or their expiry: an altered or expired presigned URL would still download here. That
enforcement is the store's job (AWS S3, MinIO); the app's own signed links are tested in test_downloads.py.
"""

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from deploy.local.live import free_port
from finance.exports import csv_writer, storage
from finance.exports.models import Export
from tests.exports.support import request_export, s3_client, transactions_csv, use_s3


def download(url: str):
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_it_uploads_the_csv_and_the_presigned_url_downloads_it(
    client, user, ledger, s3, django_capture_on_commit_callbacks
):
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    done = client.get(f"/exports/{export_id}").json()
    assert done["status"] == "done", done

    keys = s3.keys()
    assert len(keys) == 1
    assert re.fullmatch(rf"exports/{user.pk}/[0-9a-f]{{32}}\.csv", keys[0])
    assert s3.body(keys[0]) == transactions_csv(ledger)

    url = done["url"]
    assert url.startswith(f"{s3.endpoint}/{s3.bucket}/{keys[0]}?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    status, body, headers = download(url)
    assert status == 200
    assert body == transactions_csv(ledger)
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == 'attachment; filename="transactions-2026-01-01-2026-01-31.csv"'


def test_the_bucket_stays_private(client, ledger, s3, django_capture_on_commit_callbacks):
    request_export(client, django_capture_on_commit_callbacks, report="summary")
    (key,) = s3.keys()
    status, _, _ = download(f"{s3.endpoint}/{s3.bucket}/{key}")
    assert status == 403
    grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]


def test_links_are_signed_for_the_public_endpoint(
    client, ledger, s3, settings, django_capture_on_commit_callbacks
):
    """The app talks to S3_ENDPOINT_URL but hands out links for S3_PUBLIC_ENDPOINT_URL."""
    public = s3.endpoint.replace("127.0.0.1", "localhost")
    use_s3(settings, bucket=s3.bucket, endpoint=s3.endpoint, public_endpoint=public)
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    url = client.get(f"/exports/{export_id}").json()["url"]
    assert url.startswith(f"{public}/{s3.bucket}/exports/")
    assert download(url)[1] == transactions_csv(ledger)


def test_delete_removes_the_object(client, ledger, s3, django_capture_on_commit_callbacks):
    export_id = request_export(client, django_capture_on_commit_callbacks, report="summary").json()["id"]
    assert len(s3.keys()) == 1
    assert client.delete(f"/exports/{export_id}").status_code == 204
    assert s3.keys() == []


def test_an_unreachable_store_ends_in_failed_after_the_retries(
    client, ledger, settings, monkeypatch, django_capture_on_commit_callbacks
):
    closed = f"http://127.0.0.1:{free_port()}"
    use_s3(settings, bucket="exports-unreachable", endpoint=closed)
    attempts = []
    real_save = storage.save
    monkeypatch.setattr(storage, "save", lambda key, content: attempts.append(key) or real_save(key, content))

    response = request_export(client, django_capture_on_commit_callbacks, report="transactions")
    assert response.status_code == 202
    failed = client.get(f"/exports/{response.json()['id']}").json()
    assert failed["status"] == "failed"
    assert failed["error"].startswith("The file store could not be reached")
    assert closed not in failed["error"]
    assert (failed["row_count"], failed["size_bytes"], failed["url"]) == (None, None, None)
    assert failed["finished_at"] is not None
    assert len(attempts) == settings.EXPORT_MAX_RETRIES + 1
    assert len(set(attempts)) == 1  # every attempt wrote the same key


def test_a_store_that_refuses_the_upload_fails_at_once_with_the_reason(
    client, ledger, s3, settings, django_capture_on_commit_callbacks
):
    use_s3(settings, bucket="exports-no-such-bucket", endpoint=s3.endpoint)
    export_id = request_export(client, django_capture_on_commit_callbacks, report="summary").json()["id"]
    failed = client.get(f"/exports/{export_id}").json()
    assert failed["status"] == "failed"
    assert failed["error"] == "The file store refused the upload (NoSuchBucket)."


def test_a_failure_while_writing_rows_uploads_nothing(
    client, ledger, s3, monkeypatch, django_capture_on_commit_callbacks
):
    columns, rows = csv_writer.LAYOUTS[Export.Report.TRANSACTIONS]

    def rows_then_crash(export):
        iterator = rows(export)
        yield next(iterator)
        raise RuntimeError("database went away")

    monkeypatch.setitem(csv_writer.LAYOUTS, Export.Report.TRANSACTIONS, (columns, rows_then_crash))
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    failed = client.get(f"/exports/{export_id}").json()
    assert failed["status"] == "failed"
    assert failed["error"] == "The export failed unexpectedly."
    assert "database" not in failed["error"]
    assert s3.keys() == []


def test_ensure_bucket_creates_the_bucket_once(settings, moto_endpoint, capsys):
    bucket = "exports-ensure-" + str(free_port())
    use_s3(settings, bucket=bucket, endpoint=moto_endpoint)
    call_command("ensure_bucket")
    assert capsys.readouterr().out.strip() == f"Created {bucket}"
    call_command("ensure_bucket")
    assert capsys.readouterr().out.strip() == f"Bucket exists: {bucket}"
    s3_client(moto_endpoint).head_bucket(Bucket=bucket)


def test_ensure_bucket_reports_an_unreachable_store(settings):
    use_s3(settings, bucket="exports-anywhere", endpoint=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(CommandError, match="unreachable: EndpointConnectionError"):
        call_command("ensure_bucket")


def test_ensure_bucket_has_nothing_to_do_for_local_files(capsys):
    call_command("ensure_bucket")
    assert "no bucket needed" in capsys.readouterr().out
