"""Output serializers that build their representation directly must match DRF's generic one exactly."""

import datetime

import pytest
from rest_framework import serializers

from finance.accounts.api import AccountOut
from finance.transactions import selectors
from finance.transactions.api import TransactionOut
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


def generic(serializer_class, instance) -> dict:
    """What the declared fields produce through DRF's walk over them."""
    return dict(serializers.Serializer.to_representation(serializer_class(), instance))


def test_transactions_match_the_declared_fields(user):
    dollars = AccountFactory(user=user, currency="USD", opening_balance="10.50")
    yen = AccountFactory(user=user, currency="JPY", opening_balance="1000")
    food = CategoryFactory(user=user, type="expense")
    salary = CategoryFactory(user=user, type="income")
    make_transaction(dollars, food, amount="12.5", date=datetime.date(2026, 2, 1), description="Lunch")
    make_transaction(yen, salary, amount="300000", date=datetime.date(2025, 12, 31))
    listed = list(selectors.transactions_for(user))
    assert len(listed) == 2
    for tx in listed:
        fast = TransactionOut(tx).data
        assert fast == generic(TransactionOut, tx)
        assert list(fast) == list(generic(TransactionOut, tx))  # same key order too
    assert {TransactionOut(tx).data["amount"] for tx in listed} == {"12.50", "300000"}


def test_accounts_match_the_declared_fields(user):
    for account in (
        AccountFactory(user=user, currency="EUR", opening_balance="-3.10"),
        AccountFactory(user=user, currency="JPY", opening_balance="500"),
    ):
        assert AccountOut(account).data == generic(AccountOut, account)
        assert list(AccountOut(account).data) == list(generic(AccountOut, account))
