"""Idempotency-Key on POST /transactions and POST /accounts, through the API in-process.

The concurrent case (one key, many simultaneous requests, real gunicorn on PostgreSQL) is in
test_live_concurrency.py.
"""

import contextlib
import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from finance.accounts.models import Account
from finance.core.http.idempotency import IN_FLIGHT_LEASE
from finance.core.models import IdempotencyRecord
from finance.transactions.models import Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def expense(account, expense_category):
    return {
        "account": account.pk,
        "category": expense_category.pk,
        "type": "expense",
        "amount": "12.50",
        "date": "2026-02-01",
        "description": "Lunch",
    }


def post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def test_it_replays_the_first_answer_and_writes_once(client, account, expense):
    first = post(client, "/transactions", expense, "pay-lunch-1")
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first.headers

    again = post(client, "/transactions", expense, "pay-lunch-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Transaction.objects.filter(account=account).count() == 1
    assert balance(account) == Decimal("87.50")


def test_it_treats_reordered_json_keys_as_the_same_request(client, account, expense):
    assert post(client, "/transactions", expense, "same-body").status_code == 201
    reordered = dict(reversed(list(expense.items())))
    replay = post(client, "/transactions", reordered, "same-body")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Transaction.objects.count() == 1


def test_it_refuses_the_same_key_with_another_body(client, account, expense):
    assert post(client, "/transactions", expense, "k-1").status_code == 201
    other = post(client, "/transactions", {**expense, "amount": "99.00"}, "k-1")
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert "different request" in other.json()["detail"]
    assert Transaction.objects.count() == 1
    assert balance(account) == Decimal("87.50")


def _in_flight_record(user, body, key, claimed_at):
    from finance.core.http.idempotency import fingerprint

    return IdempotencyRecord.objects.create(
        user=user,
        endpoint="POST transaction-list",
        key=key,
        fingerprint=fingerprint("POST", "/transactions", body),
        claim=uuid.uuid4(),
        state=IdempotencyRecord.State.IN_FLIGHT,
        claimed_at=claimed_at,
        expires_at=claimed_at + timedelta(days=1),
    )


@contextlib.contextmanager
def held_like_a_running_request(record):
    """On PostgreSQL a running request holds its claim's row lock: hold it from another connection."""
    if connection.vendor != "postgresql":
        yield
        return
    locked, done = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.select_for_update().get(pk=record.pk)
                locked.set()
                done.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(30)
    try:
        yield
    finally:
        done.set()
        holder.join(30)


@pytest.mark.django_db(transaction=True)
def test_it_answers_409_while_the_first_request_is_in_flight(client, user, account, expense):
    record = _in_flight_record(user, expense, "busy", timezone.now())
    with held_like_a_running_request(record):
        response = post(client, "/transactions", expense, "busy")
    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]
    assert Transaction.objects.count() == 0


def test_an_unlocked_fresh_claim_is_taken_over_only_where_row_locks_tell_it_is_dead(
    client, user, account, expense
):
    _in_flight_record(user, expense, "dead-owner", timezone.now())
    response = post(client, "/transactions", expense, "dead-owner")
    if connection.vendor == "postgresql":
        # Nobody holds the claim's lock, so its request is gone: the retry does the work at once.
        assert response.status_code == 201
        assert balance(account) == Decimal("87.50")
    else:
        # Without row locks a fresh claim may still be running: wait for the lease.
        assert response.status_code == 409
        assert balance(account) == Decimal("100.00")


def test_it_takes_over_a_claim_whose_request_died(client, user, account, expense):
    _in_flight_record(user, expense, "orphan", timezone.now() - IN_FLIGHT_LEASE - timedelta(seconds=1))
    response = post(client, "/transactions", expense, "orphan")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert balance(account) == Decimal("87.50")
    assert IdempotencyRecord.objects.get(key="orphan").state == IdempotencyRecord.State.COMPLETED


def test_it_does_not_store_answers_that_failed_validation(client, account, expense):
    bad = post(client, "/transactions", {**expense, "amount": "-1"}, "fix-and-retry")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="fix-and-retry").exists()
    # The same key with the corrected body is a fresh request.
    good = post(client, "/transactions", expense, "fix-and-retry")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good.headers


def test_it_releases_the_claim_when_the_service_refuses(client, account, expense, income_category):
    # The category is income, the type expense: the service raises after the claim was taken.
    wrong = {**expense, "category": income_category.pk}
    assert post(client, "/transactions", wrong, "k-wrong").status_code == 400
    assert not IdempotencyRecord.objects.filter(key="k-wrong").exists()
    assert balance(account) == Decimal("100.00")


def test_it_releases_the_claim_and_rolls_back_when_the_view_crashes(client, account, expense, monkeypatch):
    from finance.transactions import services

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "figure_cache", type("Broken", (), {"invalidate": staticmethod(explode)}))
    client.raise_request_exception = False
    response = post(client, "/transactions", expense, "crash")
    assert response.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="crash").exists()
    assert Transaction.objects.count() == 0
    assert balance(account) == Decimal("100.00")


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "caf\u00e9", "tab\there", "new\nline"],
    ids=["empty", "too-long", "non-ascii", "tab", "newline"],
)
def test_it_refuses_a_malformed_key(client, account, expense, key):
    response = post(client, "/transactions", expense, key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert Transaction.objects.count() == 0


def test_it_accepts_a_key_of_255_printable_characters(client, account, expense):
    key = ("A-z 0~!" * 40)[:255]
    assert post(client, "/transactions", expense, key).status_code == 201
    assert post(client, "/transactions", expense, key).headers["Idempotent-Replayed"] == "true"


def test_keys_are_scoped_per_user(client, other_client, account, expense, other_user):
    assert post(client, "/transactions", expense, "shared-key").status_code == 201
    # Another user's identical key is theirs: it runs (and fails on the account, which is not theirs).
    response = post(other_client, "/transactions", expense, "shared-key")
    assert response.status_code == 400
    assert "account" in response.json()["errors"]
    assert "Idempotent-Replayed" not in response.headers


def test_keys_are_scoped_per_endpoint(client, account, expense):
    assert post(client, "/transactions", expense, "one-key").status_code == 201
    created = post(client, "/accounts", {"name": "Savings", "currency": "EUR"}, "one-key")
    assert created.status_code == 201
    assert "Idempotent-Replayed" not in created.headers
    replay = post(client, "/accounts", {"name": "Savings", "currency": "EUR"}, "one-key")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Account.objects.filter(name="Savings").count() == 1


def test_requests_without_a_key_are_not_deduplicated(client, account, expense):
    assert client.post("/transactions", expense, format="json").status_code == 201
    assert client.post("/transactions", expense, format="json").status_code == 201
    assert balance(account) == Decimal("75.00")
    assert not IdempotencyRecord.objects.exists()


def test_an_expired_key_is_a_new_request_and_purge_removes_expired_keys(client, account, expense):
    assert post(client, "/transactions", expense, "old").status_code == 201
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post(client, "/transactions", expense, "old")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert balance(account) == Decimal("75.00")

    assert post(client, "/transactions", expense, "fresh").status_code == 201
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("purge_idempotency_keys", stdout=out)
    assert "Deleted 1 " in out.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_keys_are_kept_at_least_a_day(client, account, expense):
    assert post(client, "/transactions", expense, "day").status_code == 201
    record = IdempotencyRecord.objects.get(key="day")
    assert record.expires_at - record.claimed_at >= timedelta(hours=24)


def test_the_schema_documents_the_header_and_its_answers(api):
    schema = api.get("/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/transactions", "/accounts"):
        operation = schema["paths"][path]["post"]
        header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert header["in"] == "header"
        assert header["schema"]["maxLength"] == 255
        assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
        assert {"409", "422"} <= set(operation["responses"])
