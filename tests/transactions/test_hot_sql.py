"""The transaction list's plain SQL gives the rows and counts of transactions_for(), for every filter."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection, transaction

from finance.transactions import services
from finance.transactions.models import Transaction
from finance.transactions.selectors import TRANSACTION_COLUMNS, transaction_list, transactions_for
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


@pytest.fixture
def ledger(user, other_user):
    dollars = AccountFactory(user=user, currency="USD", opening_balance="0")
    yen = AccountFactory(user=user, currency="JPY", opening_balance="0")
    food = CategoryFactory(user=user, type="expense")
    pay = CategoryFactory(user=user, type="income")
    for day in range(1, 13):
        account, category = (dollars, food) if day % 3 else (yen, pay)
        amount = "7" if account is yen else "1.25"
        make_transaction(account, category, amount, date=datetime.date(2026, 5, day))
    # Two on one day: the order falls back to the id.
    make_transaction(dollars, food, "2.50", date=datetime.date(2026, 5, 4))
    other = AccountFactory(user=other_user)
    make_transaction(other, CategoryFactory(user=other_user), "9.99", date=datetime.date(2026, 5, 4))
    return {"dollars": dollars, "yen": yen, "food": food, "pay": pay}


def test_every_combination_of_filters_gives_the_orm_rows_and_count(user, ledger):
    values = {
        "date_from": datetime.date(2026, 5, 3),
        "date_to": datetime.date(2026, 5, 9),
        "account_id": ledger["yen"].pk,
        "category_id": ledger["food"].pk,
        "type": "expense",
    }
    for size in range(len(values) + 1):
        for names in itertools.combinations(values, size):
            filters = {name: values[name] for name in names}
            expected = list(transactions_for(user, **filters))
            listed = transaction_list(user, **filters)
            assert listed.count() == len(expected), filters
            for start, stop in [(0, 5), (5, 10), (10, 15), (0, 100)]:
                rows = listed[start:stop]
                assert [[*fields(t), t.currency] for t in rows] == [
                    [*fields(t), t.currency] for t in expected[start:stop]
                ], filters


def test_another_users_list_is_empty(other_user, ledger, django_user_model):
    stranger = django_user_model.objects.create_user("nobody@example.com", "x")
    assert transaction_list(stranger).count() == 0
    assert transaction_list(stranger)[0:20] == []


def test_the_columns_read_are_every_field_of_the_model():
    assert list(TRANSACTION_COLUMNS) == [field.attname for field in Transaction._meta.concrete_fields]


def test_the_insert_writes_the_row_the_orm_writes(user):
    if connection.vendor != "postgresql":
        pytest.skip("the plain INSERT runs on PostgreSQL; other databases use the ORM's create()")
    account = AccountFactory(user=user, currency="JPY", opening_balance="0")
    category = CategoryFactory(user=user, type="income")
    given = {
        "user": user,
        "account": account,
        "category": category,
        "type": "income",
        "direction": "in",
        "amount": Decimal("1200"),
        "date": datetime.date(2026, 2, 28),
        "description": "Gift ☺",
    }
    with transaction.atomic():
        inserted = services.insert_transaction(**given)
    created = Transaction.objects.create(**given)
    stored = Transaction.objects.get(pk=inserted.pk)
    assert fields(inserted)[1:] == fields(stored)[1:]  # what the service hands back is what was written
    assert (
        fields(stored)[1:-1] == fields(Transaction.objects.get(pk=created.pk))[1:-1]
    )  # id, created_at apart
    assert stored.created_at.tzinfo is not None
    assert inserted.currency == "JPY"
