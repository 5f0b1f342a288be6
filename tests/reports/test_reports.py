import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.core import figure_cache
from finance.reports import selectors
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.fixture
def january(user, account, income_category, expense_category):
    make_transaction(account, income_category, "1000.00", datetime.date(2026, 1, 1))
    make_transaction(account, expense_category, "250.25", datetime.date(2026, 1, 10))
    make_transaction(account, expense_category, "49.75", datetime.date(2026, 1, 31))
    make_transaction(account, expense_category, "999.00", datetime.date(2026, 2, 1))  # outside the period
    return account


def test_summary_adds_income_and_expense_of_the_period(client, january):
    response = client.get("/reports/summary", PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert (body["income"], body["expense"], body["balance"], body["currency"]) == (
        "1000.00",
        "300.00",
        "700.00",
        "USD",
    )
    assert body["by_currency"] == [
        {
            "currency": "USD",
            "income": "1000.00",
            "expense": "300.00",
            "balance": "700.00",
            "transfers_in": "0.00",
            "transfers_out": "0.00",
        }
    ]


def test_summary_never_adds_different_currencies(client, user, january):
    euros = AccountFactory(user=user, currency="EUR")
    gifts = CategoryFactory(user=user, type="income", name="Gifts")
    make_transaction(euros, gifts, "5.00", datetime.date(2026, 1, 5))
    body = client.get("/reports/summary", PERIOD).json()
    assert body["currency"] is None and body["income"] is None
    assert body["by_currency"] == [
        {
            "currency": "EUR",
            "income": "5.00",
            "expense": "0.00",
            "balance": "5.00",
            "transfers_in": "0.00",
            "transfers_out": "0.00",
        },
        {
            "currency": "USD",
            "income": "1000.00",
            "expense": "300.00",
            "balance": "700.00",
            "transfers_in": "0.00",
            "transfers_out": "0.00",
        },
    ]


def test_summary_of_an_empty_period_and_account_filter(client, user, january):
    assert client.get("/reports/summary", {"from": "2020-01-01", "to": "2020-01-31"}).json()["balance"] == "0"
    other = AccountFactory(user=user)
    assert client.get("/reports/summary", {**PERIOD, "account": other.pk}).json()["by_currency"] == []
    assert client.get("/reports/summary", {**PERIOD, "account": january.pk}).json()["expense"] == "300.00"


def test_by_category_totals_and_counts(client, january, income_category, expense_category):
    body = client.get("/reports/by-category", PERIOD).json()
    assert body["results"] == [
        {
            "category_id": expense_category.pk,
            "name": "Food",
            "type": "expense",
            "total": "300.00",
            "count": 2,
            "currency": "USD",
        },
        {
            "category_id": income_category.pk,
            "name": "Salary",
            "type": "income",
            "total": "1000.00",
            "count": 1,
            "currency": "USD",
        },
    ]


def test_reports_are_one_query_each(user, january):
    for report in (selectors.summary, selectors.by_category):
        with CaptureQueriesContext(connection) as captured:
            report(user_id=user.pk, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 1, 31))
        assert len(captured) == 1


def test_other_users_figures_never_appear(other_client, january):
    assert other_client.get("/reports/summary", PERIOD).json()["by_currency"] == []
    assert other_client.get("/reports/by-category", PERIOD).json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "2026-01-01"},
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "x", "to": "2026-01-01"},
        {"from": "1990-01-01", "to": "2026-01-01"},
        {**PERIOD, "account": "me"},
        {**PERIOD, "currency": "USD"},
    ],
)
def test_bad_report_queries_are_400(client, query):
    for path in ("/reports/summary", "/reports/by-category"):
        response = client.get(path, query)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db(transaction=True)  # invalidation runs on commit
def test_second_read_is_a_cache_hit_and_a_write_invalidates(client, january, expense_category):
    first = client.get("/reports/summary", PERIOD)
    second = client.get("/reports/summary", PERIOD)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert second.json() == first.json()
    client.post(
        "/transactions",
        {
            "account": january.pk,
            "category": expense_category.pk,
            "type": "expense",
            "amount": "100.00",
            "date": "2026-01-20",
        },
        format="json",
    )
    third = client.get("/reports/summary", PERIOD)
    assert third["X-Cache"] == "MISS"
    assert third.json()["expense"] == "400.00"


@pytest.mark.django_db(transaction=True)  # invalidation runs on commit
def test_every_kind_of_write_invalidates_the_users_reports(client, user, january, expense_category):
    tx_id = client.get("/transactions", PERIOD).json()["results"][0]["id"]
    savings = AccountFactory(user=user, currency="USD")

    def transfer_id() -> int:
        return client.get("/transfers").json()["results"][0]["id"]

    writes = [
        lambda: client.patch(f"/transactions/{tx_id}", {"amount": "1.00"}, format="json"),
        lambda: client.delete(f"/transactions/{tx_id}"),
        lambda: client.patch(f"/categories/{expense_category.pk}", {"name": "Groceries"}, format="json"),
        lambda: client.post(
            "/transfers",
            {"from_account": january.pk, "to_account": savings.pk, "amount": "1.00", "date": "2026-01-15"},
            format="json",
        ),
        lambda: client.patch(f"/transfers/{transfer_id()}", {"amount": "2.00"}, format="json"),
        lambda: client.delete(f"/transfers/{transfer_id()}"),
        lambda: client.delete(f"/accounts/{january.pk}"),
    ]
    for write in writes:
        client.get("/reports/by-category", PERIOD)
        assert client.get("/reports/by-category", PERIOD)["X-Cache"] == "HIT"
        assert write().status_code in {200, 201, 204}
        assert client.get("/reports/by-category", PERIOD)["X-Cache"] == "MISS"


@pytest.mark.django_db(transaction=True)  # invalidation runs on commit
def test_invalidation_is_per_user(client, other_client, january):
    other_client.get("/reports/summary", PERIOD)
    client.post("/categories", {"name": "New", "type": "income"}, format="json")
    figure_cache.invalidate(january.user_id)
    assert other_client.get("/reports/summary", PERIOD)["X-Cache"] == "HIT"


def test_cache_keys_depend_on_every_parameter():
    base = figure_cache.entry_key(1, "summary", {"from": "2026-01-01", "to": "2026-01-31", "account": None})
    assert base != figure_cache.entry_key(
        2, "summary", {"from": "2026-01-01", "to": "2026-01-31", "account": None}
    )
    assert base != figure_cache.entry_key(
        1, "by-category", {"from": "2026-01-01", "to": "2026-01-31", "account": None}
    )
    assert base != figure_cache.entry_key(
        1, "summary", {"from": "2026-01-01", "to": "2026-02-28", "account": None}
    )
    assert base != figure_cache.entry_key(
        1, "summary", {"from": "2026-01-01", "to": "2026-01-31", "account": 3}
    )


@pytest.mark.django_db(transaction=True)  # invalidation runs on commit
def test_an_entry_computed_before_a_write_is_never_served_after_it():
    params = {"from": "2026-01-01", "to": "2026-01-31", "account": None}
    computed = []

    def compute():
        computed.append(1)
        return {"n": len(computed)}

    assert figure_cache.cached_report(user_id=9, report="summary", params=params, compute=compute) == (
        {"n": 1},
        False,
    )
    assert figure_cache.cached_report(user_id=9, report="summary", params=params, compute=compute)[1]
    figure_cache.invalidate(9)  # outside a transaction: applied at once
    assert figure_cache.cached_report(user_id=9, report="summary", params=params, compute=compute) == (
        {"n": 2},
        False,
    )
    # A slow reader that computed under the old version and stores late cannot resurrect it.
    stale_key = figure_cache.entry_key(9, "summary", params)
    cache.set(stale_key, {"version": figure_cache.INITIAL_VERSION, "value": {"n": 1}})
    assert figure_cache.cached_report(user_id=9, report="summary", params=params, compute=compute) == (
        {"n": 3},
        False,
    )


def test_cached_entries_expire_after_the_configured_ttl(client, january, settings, monkeypatch):
    stored = {}
    original = cache.set

    def spy(key, value, timeout=None, **kwargs):
        stored[key] = timeout
        return original(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    settings.REPORT_CACHE_TTL = 420
    client.get("/reports/summary", PERIOD)
    assert [t for k, t in stored.items() if k.startswith("report:")] == [420]


def test_a_cache_outage_degrades_to_computing(client, january, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    for _ in range(2):
        response = client.get("/reports/summary", PERIOD)
        assert response.status_code == 200
        assert response["X-Cache"] == "MISS"
        assert response.json()["balance"] == "700.00"
