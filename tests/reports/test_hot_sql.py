"""The reports' plain SQL returns exactly what the same aggregates built with the ORM return (PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum

from finance.reports import selectors
from finance.transactions.models import Transaction
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("compares raw rows, whose number types are PostgreSQL's (SQLite sums are floats)")


def orm_period(user_id, date_from, date_to, account_id=None):
    rows = Transaction.objects.filter(user_id=user_id, date__gte=date_from, date__lte=date_to)
    return rows.filter(account_id=account_id) if account_id is not None else rows


def orm_summary(**period) -> list[tuple]:
    return list(
        orm_period(**period)
        .values("account__currency")
        .annotate(
            income=Sum("amount", filter=Q(type="income")), expense=Sum("amount", filter=Q(type="expense"))
        )
        .order_by("account__currency")
        .values_list("account__currency", "income", "expense")
    )


def orm_by_category(**period) -> list[tuple]:
    return list(
        orm_period(**period)
        .values("category_id", "category__name", "category__type", "account__currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("category__type", "-total", "category_id", "account__currency")
        .values_list("category_id", "category__name", "category__type", "account__currency", "total", "count")
    )


def test_summary_and_by_category_rows_are_the_orms_for_any_period_and_account(user, other_user):
    dollars = AccountFactory(user=user, currency="USD", opening_balance="0")
    euros = AccountFactory(user=user, currency="EUR", opening_balance="0")
    food = CategoryFactory(user=user, type="expense")
    rent = CategoryFactory(user=user, type="expense")
    pay = CategoryFactory(user=user, type="income")
    for day, account, category, amount in [
        (3, dollars, food, "12.34"),
        (9, euros, food, "0.10"),
        (9, euros, pay, "1000.00"),
        (20, dollars, pay, "50.05"),
        (21, dollars, rent, "12.34"),
        (22, dollars, food, "0.01"),
    ]:
        make_transaction(account, category, amount, date=datetime.date(2026, 3, day))
    periods = [
        (user.pk, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)),
        (user.pk, datetime.date(2026, 3, 5), datetime.date(2026, 3, 9)),
        (user.pk, datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)),
        (other_user.pk, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    ]
    for user_id, date_from, date_to in periods:
        for account_id in (None, dollars.pk, euros.pk):
            period = {
                "user_id": user_id,
                "date_from": date_from,
                "date_to": date_to,
                "account_id": account_id,
            }
            raw = selectors._rows(selectors.SUMMARY_SQL, **period)
            assert [tuple(row) for row in raw] == orm_summary(**period), period
            raw = selectors._rows(selectors.BY_CATEGORY_SQL, **period)
            assert [tuple(row) for row in raw] == orm_by_category(**period), period


def test_a_currency_without_income_reads_zero_income(user):
    dollars = AccountFactory(user=user, currency="USD", opening_balance="0")
    make_transaction(dollars, CategoryFactory(user=user, type="expense"), "5.00")
    report = selectors.summary(
        user_id=user.pk, date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31)
    )
    assert (report["income"], report["expense"], report["balance"]) == ("0.00", "5.00", "-5.00")
    assert Decimal(report["balance"]) == Decimal("-5")
