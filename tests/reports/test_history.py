"""Balances over time, net worth and trends: exact figures for a small ledger, periods, limits and caching."""

import datetime
from decimal import Decimal

import pytest

from finance.transfers.services import create_transfer
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(user):
    """Checking (USD, opening 100), savings (USD, opening 0), travel (EUR, opening 10), in March 2026:
    Mon 2 salary +1000; Wed 4 food -40; Sun 8 transfer checking -> savings 300; Mon 9 food -10;
    Tue 31 transfer checking -> travel 100 USD = 90 EUR; Apr 1 rent -500 on checking."""
    checking = AccountFactory(user=user, currency="USD", opening_balance="100.00")
    savings = AccountFactory(user=user, currency="USD", opening_balance="0")
    travel = AccountFactory(user=user, currency="EUR", opening_balance="10.00")
    salary = CategoryFactory(user=user, type="income", name="Salary")
    food = CategoryFactory(user=user, type="expense", name="Food")
    rent = CategoryFactory(user=user, type="expense", name="Rent")
    march = lambda day: datetime.date(2026, 3, day)  # noqa: E731
    make_transaction(checking, salary, "1000.00", date=march(2))
    make_transaction(checking, food, "40.00", date=march(4))
    create_transfer(
        user=user, from_account_id=checking.pk, to_account_id=savings.pk, amount=Decimal("300"), date=march(8)
    )
    make_transaction(checking, food, "10.00", date=march(9))
    create_transfer(
        user=user,
        from_account_id=checking.pk,
        to_account_id=travel.pk,
        amount=Decimal("100"),
        to_amount=Decimal("90"),
        date=march(31),
    )
    make_transaction(checking, rent, "500.00", date=datetime.date(2026, 4, 1))
    return {"checking": checking, "savings": savings, "travel": travel, "food": food, "rent": rent}


def test_daily_balances_of_an_account_with_inflow_and_outflow(client, ledger):
    checking = ledger["checking"]
    body = client.get(f"/accounts/{checking.pk}/balances?from=2026-03-03&to=2026-03-09&interval=day").json()
    assert (body["account"], body["currency"], body["interval"]) == (checking.pk, "USD", "day")
    assert [(p["date"], p["balance"], p["inflow"], p["outflow"]) for p in body["points"]] == [
        ("2026-03-03", "1100.00", "0.00", "0.00"),  # opening 100 + salary on the 2nd, before the period
        ("2026-03-04", "1060.00", "0.00", "40.00"),
        ("2026-03-05", "1060.00", "0.00", "0.00"),
        ("2026-03-06", "1060.00", "0.00", "0.00"),
        ("2026-03-07", "1060.00", "0.00", "0.00"),
        ("2026-03-08", "760.00", "0.00", "300.00"),
        ("2026-03-09", "750.00", "0.00", "10.00"),
    ]


def test_weeks_end_on_sunday_and_the_last_period_is_clipped(client, ledger):
    savings = ledger["savings"]
    body = client.get(f"/accounts/{savings.pk}/balances?from=2026-03-01&to=2026-03-18&interval=week").json()
    assert [(p["date"], p["balance"], p["inflow"]) for p in body["points"]] == [
        ("2026-03-01", "0.00", "0.00"),  # Sunday: the first week is cut at `from`
        ("2026-03-08", "300.00", "300.00"),
        ("2026-03-15", "300.00", "0.00"),
        ("2026-03-18", "300.00", "0.00"),  # clipped to `to`
    ]


def test_monthly_balances_count_everything_dated_up_to_each_month_end(client, ledger):
    checking = ledger["checking"]
    body = client.get(f"/accounts/{checking.pk}/balances?from=2026-02-01&to=2026-04-30&interval=month").json()
    assert [(p["date"], p["balance"], p["inflow"], p["outflow"]) for p in body["points"]] == [
        ("2026-02-28", "100.00", "0.00", "0.00"),
        ("2026-03-31", "650.00", "1000.00", "450.00"),
        ("2026-04-30", "150.00", "0.00", "500.00"),
    ]
    checking.refresh_from_db()
    assert body["points"][-1]["balance"] == f"{checking.balance:.2f}"


def test_net_worth_sums_balances_per_currency_and_never_across(client, ledger):
    body = client.get("/reports/net-worth?from=2026-02-01&to=2026-04-30&interval=month").json()
    assert body["interval"] == "month"
    assert body["by_currency"] == [
        {
            "currency": "EUR",
            "points": [
                {"date": "2026-02-28", "balance": "10.00"},
                {"date": "2026-03-31", "balance": "100.00"},
                {"date": "2026-04-30", "balance": "100.00"},
            ],
        },
        {
            "currency": "USD",
            "points": [
                {"date": "2026-02-28", "balance": "100.00"},
                {"date": "2026-03-31", "balance": "950.00"},  # the transfer to savings moved nothing in USD
                {"date": "2026-04-30", "balance": "450.00"},
            ],
        },
    ]


def test_trends_leave_transfers_out_and_fill_every_period(client, ledger):
    body = client.get("/reports/trends?from=2026-03-01&to=2026-04-30").json()
    assert (body["interval"], body["from"], body["to"]) == ("month", "2026-03-01", "2026-04-30")
    assert body["by_currency"] == [
        {
            "currency": "USD",
            "periods": [
                {
                    "start": "2026-03-01",
                    "end": "2026-03-31",
                    "income": "1000.00",
                    "expense": "50.00",
                    "net": "950.00",
                },
                {
                    "start": "2026-04-01",
                    "end": "2026-04-30",
                    "income": "0.00",
                    "expense": "500.00",
                    "net": "-500.00",
                },
            ],
        }
    ]
    weekly = client.get(
        f"/reports/trends?from=2026-03-02&to=2026-03-15&interval=week&category={ledger['food'].pk}"
    )
    assert [(p["start"], p["end"], p["expense"]) for p in weekly.json()["by_currency"][0]["periods"]] == [
        ("2026-03-02", "2026-03-08", "40.00"),
        ("2026-03-09", "2026-03-15", "10.00"),
    ]


def test_the_summary_shows_transfers_apart_and_reconciles_with_the_balance(client, ledger):
    checking = ledger["checking"]
    body = client.get(f"/reports/summary?from=2018-01-01&to=2026-12-31&account={checking.pk}").json()
    assert (body["income"], body["expense"], body["transfers_in"], body["transfers_out"]) == (
        "1000.00",
        "550.00",
        "0.00",
        "400.00",
    )
    checking.refresh_from_db()
    assert checking.opening_balance + Decimal("1000") - Decimal("550") - Decimal("400") == checking.balance
    by_category = client.get("/reports/by-category?from=2026-03-01&to=2026-04-30").json()["results"]
    assert {line["name"] for line in by_category} == {"Salary", "Food", "Rent"}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/reports/net-worth?from=2020-01-01&to=2026-12-31&interval=day", "interval"),
        ("/reports/trends?from=2026-01-01&to=2026-12-31&interval=day", "interval"),
        ("/reports/trends?from=2026-01-01", "to"),
        ("/reports/net-worth?from=2026-02-01&to=2026-01-01", "from"),
        ("/reports/trends?from=2026-01-01&to=2026-03-01&category=0", "category"),
    ],
)
def test_bad_history_queries_are_400(client, ledger, path, field):
    response = client.get(path)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_more_than_a_thousand_points_is_400_and_a_thousand_is_fine(client, ledger):
    checking = ledger["checking"]
    too_many = client.get(f"/accounts/{checking.pk}/balances?from=2023-01-01&to=2025-12-31&interval=day")
    assert too_many.status_code == 400
    assert "1000" in too_many.json()["errors"]["interval"][0]
    fine = client.get(f"/accounts/{checking.pk}/balances?from=2023-01-01&to=2025-09-26&interval=day")
    assert fine.status_code == 200
    assert len(fine.json()["points"]) == 1000


def test_balances_default_to_the_last_thirty_days(client, ledger):
    body = client.get(f"/accounts/{ledger['checking'].pk}/balances").json()
    assert len(body["points"]) == 30
    assert body["points"][-1]["date"] == datetime.date.today().isoformat()


@pytest.mark.django_db(transaction=True)  # invalidation runs on commit
def test_history_reports_are_cached_and_go_stale_with_a_transfer(client, user, ledger):
    checking, savings = ledger["checking"], ledger["savings"]
    paths = [
        f"/accounts/{savings.pk}/balances?from=2026-03-01&to=2026-03-31&interval=month",
        "/reports/net-worth?from=2026-03-01&to=2026-03-31",
        "/reports/trends?from=2026-03-01&to=2026-03-31",
    ]
    for path in paths:
        assert client.get(path)["X-Cache"] == "MISS"
        assert client.get(path)["X-Cache"] == "HIT"
    create_transfer(
        user=user,
        from_account_id=checking.pk,
        to_account_id=savings.pk,
        amount=Decimal("5"),
        date=datetime.date(2026, 3, 20),
    )
    for path in paths:
        assert client.get(path)["X-Cache"] == "MISS"
    assert client.get(paths[0]).json()["points"][0]["balance"] == "305.00"
