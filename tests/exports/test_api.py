"""The /exports API: validation, 202 then done, ownership, paging, deletion and the in-flight limit."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from finance.exports.models import Export
from finance.exports.storage import exports_storage
from tests.exports.support import JANUARY, request_export, transactions_csv
from tests.factories import AccountFactory, CategoryFactory


def test_it_accepts_an_export_and_builds_it_in_the_background(
    client, api, ledger, django_capture_on_commit_callbacks
):
    response = request_export(client, django_capture_on_commit_callbacks, report="transactions")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["url"] is None
    assert response["Location"] == f"/exports/{body['id']}"
    assert (body["report"], body["from"], body["to"]) == ("transactions", "2026-01-01", "2026-01-31")

    done = client.get(f"/exports/{body['id']}").json()
    expected = transactions_csv(ledger)
    assert done["status"] == "done"
    assert (done["row_count"], done["size_bytes"], done["error"]) == (3, len(expected), None)
    assert done["finished_at"] is not None
    assert done["url"].startswith("http://testserver/exports/download/")
    expires_at = datetime.datetime.fromisoformat(done["expires_at"])
    assert timedelta(seconds=890) < expires_at - timezone.now() <= timedelta(seconds=900)

    download = api.get(done["url"].removeprefix("http://testserver"))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="transactions-2026-01-01-2026-01-31.csv"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == expected


def test_the_object_key_is_random_under_the_users_prefix(
    client, user, ledger, django_capture_on_commit_callbacks
):
    ids = [
        request_export(client, django_capture_on_commit_callbacks, report="summary").json()["id"]
        for _ in range(2)
    ]
    keys = [Export.objects.get(pk=pk).object_key for pk in ids]
    assert all(key.startswith(f"exports/{user.pk}/") and key.endswith(".csv") for key in keys)
    assert len(keys[0].split("/")[-1]) == len("0123456789abcdef0123456789abcdef.csv")
    assert keys[0] != keys[1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"report": "balance", **JANUARY}, "report"),
        ({"report": "summary", "from": "2026-01-01"}, "to"),
        ({"report": "summary", "from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"report": "summary", "from": "2000-01-01", "to": "2026-01-01"}, "to"),
        ({"report": "summary", "from": "01/02/2026", "to": "2026-01-31"}, "from"),
        ({"report": "summary", "account": "one", **JANUARY}, "account"),
        ({"report": "summary", "account": 0, **JANUARY}, "account"),
        ({"report": "summary", "type": "expense", **JANUARY}, "type"),
        ({"report": "by-category", "category": 1, **JANUARY}, "category"),
        ({"report": "transactions", "type": "gift", **JANUARY}, "type"),
        ({"report": "summary", "status": "done", **JANUARY}, "status"),
    ],
)
def test_it_refuses_bad_input(client, body, field):
    response = client.post("/exports", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Export.objects.exists()


def test_it_refuses_another_users_account_or_category_as_a_filter(client, other_user):
    foreign_account = AccountFactory(user=other_user)
    foreign_category = CategoryFactory(user=other_user)
    response = client.post(
        "/exports",
        {"report": "transactions", "account": foreign_account.pk, "category": foreign_category.pk, **JANUARY},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"account": ["No such account."], "category": ["No such category."]}


def test_it_needs_authentication(api):
    assert api.post("/exports", {"report": "summary", **JANUARY}, format="json").status_code == 401
    assert api.get("/exports").status_code == 401


def test_another_users_export_is_not_found(client, other_client, ledger, django_capture_on_commit_callbacks):
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    key = Export.objects.get(pk=export_id).object_key
    assert other_client.get(f"/exports/{export_id}").status_code == 404
    assert other_client.delete(f"/exports/{export_id}").status_code == 404
    assert other_client.get("/exports").json()["count"] == 0
    assert exports_storage().exists(key)
    assert client.get(f"/exports/{export_id}").json()["status"] == "done"


def test_delete_removes_the_file_and_the_export(client, ledger, django_capture_on_commit_callbacks):
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    key = Export.objects.get(pk=export_id).object_key
    assert exports_storage().exists(key)
    assert client.delete(f"/exports/{export_id}").status_code == 204
    assert not exports_storage().exists(key)
    assert client.get(f"/exports/{export_id}").status_code == 404
    assert client.delete(f"/exports/{export_id}").status_code == 404


def test_the_list_is_own_newest_first_and_paginated(
    client, other_client, ledger, django_capture_on_commit_callbacks
):
    ids = [
        request_export(client, django_capture_on_commit_callbacks, report=report).json()["id"]
        for report in ("summary", "by-category", "transactions")
    ]
    request_export(other_client, django_capture_on_commit_callbacks, report="summary")
    first = client.get("/exports?page_size=2").json()
    assert first["count"] == 3
    assert [item["id"] for item in first["results"]] == ids[::-1][:2]
    assert all(item["status"] == "done" and item["url"] for item in first["results"])
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    assert [item["id"] for item in second["results"]] == [ids[0]]
    assert client.get("/exports?page=3&page_size=2").status_code == 404


def test_it_limits_exports_in_flight_per_user(client, user, other_client, settings):
    """Without running the commit hooks the exports stay pending, as while a worker is busy."""
    body = {"report": "summary", **JANUARY}
    for _ in range(settings.EXPORTS_MAX_IN_FLIGHT):
        assert client.post("/exports", body, format="json").status_code == 202
    refused = client.post("/exports", body, format="json")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert "3 exports in progress" in refused.json()["detail"]
    assert Export.objects.filter(user=user).count() == 3
    assert other_client.post("/exports", body, format="json").status_code == 202

    Export.objects.filter(pk=Export.objects.filter(user=user).first().pk).update(status="done")
    assert client.post("/exports", body, format="json").status_code == 202


def test_an_export_lost_for_longer_than_the_visibility_timeout_stops_counting(client, settings):
    body = {"report": "summary", **JANUARY}
    for _ in range(settings.EXPORTS_MAX_IN_FLIGHT):
        client.post("/exports", body, format="json")
    assert client.post("/exports", body, format="json").status_code == 429
    lost = timezone.now() - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT + 1)
    Export.objects.filter(pk=Export.objects.first().pk).update(created_at=lost)
    assert client.post("/exports", body, format="json").status_code == 202


def test_a_retried_request_with_the_same_idempotency_key_makes_one_export(
    client, ledger, django_capture_on_commit_callbacks
):
    body = {"report": "summary", **JANUARY}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/exports", body, format="json", HTTP_IDEMPOTENCY_KEY="monthly-summary-1")
    with django_capture_on_commit_callbacks(execute=True) as scheduled:
        again = client.post("/exports", body, format="json", HTTP_IDEMPOTENCY_KEY="monthly-summary-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Export.objects.count() == 1
    assert scheduled == []  # the replay schedules no second build
