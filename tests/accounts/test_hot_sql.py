"""The plain SQL on the accounts' hot path returns and writes exactly what its ORM equivalent does."""

from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from finance.accounts.models import Account
from finance.accounts.selectors import ACCOUNT_COLUMNS, account_list, accounts_for, accounts_for_update
from finance.accounts.services import move_balance
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_the_locked_accounts_are_the_orm_rows_and_only_the_users(user, other_user):
    first = AccountFactory(user=user, currency="JPY", opening_balance="1200")
    second = AccountFactory(user=user, currency="EUR", opening_balance="3.50")
    theirs = AccountFactory(user=other_user)
    with transaction.atomic():
        expected = accounts_for(user).select_for_update().filter(pk__in=[first.pk, second.pk]).order_by("pk")
        locked = accounts_for_update(user_id=user.pk, account_ids=[second.pk, first.pk, theirs.pk, 10**9])
        assert list(locked) == [first.pk, second.pk]
        assert [fields(a) for a in locked.values()] == [fields(a) for a in expected]
        assert accounts_for_update(user_id=other_user.pk, account_ids=[first.pk]) == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the lock must be seen from another connection
def test_another_connection_finds_the_account_locked(user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks")
    account = AccountFactory(user=user)
    params = {
        k: v for k, v in connection.get_connection_params().items() if k in {"host", "port", "user", "dbname"}
    }
    with transaction.atomic():
        accounts_for_update(user_id=user.pk, account_ids=[account.pk])
        with psycopg.connect(**params) as other, pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SELECT 1 FROM accounts_account WHERE id = %s FOR UPDATE NOWAIT", [account.pk])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_a_lock_outside_a_transaction_is_refused_like_select_for_update(user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks, so Django allows select_for_update anywhere there")
    account = AccountFactory(user=user)
    with pytest.raises(TransactionManagementError):
        accounts_for_update(user_id=user.pk, account_ids=[account.pk])


def test_moving_a_balance_writes_what_an_orm_update_writes(user):
    mine = AccountFactory(user=user, opening_balance="0.10")
    twin = AccountFactory(user=user, opening_balance="0.10")
    with transaction.atomic():
        move_balance(accounts_for_update(user_id=user.pk, account_ids=[mine.pk])[mine.pk], Decimal("0.2"))
    Account.objects.filter(pk=twin.pk).update(balance=Decimal("0.10") + Decimal("0.2"))
    assert Account.objects.get(pk=mine.pk).balance == Account.objects.get(pk=twin.pk).balance
    assert Account.objects.get(pk=mine.pk).balance == Decimal("0.3000")


def test_the_columns_read_are_every_field_of_the_model():
    assert list(ACCOUNT_COLUMNS) == [field.attname for field in Account._meta.concrete_fields]


def test_the_list_gives_the_orm_pages_and_count(user, other_user):
    mine = [AccountFactory(user=user, currency=code) for code in ("USD", "EUR", "JPY", "GBP", "CHF")]
    AccountFactory(user=other_user)
    listed = account_list(user)
    assert listed.count() == len(mine) == accounts_for(user).count()
    for start, stop in [(0, 2), (2, 4), (4, 6), (0, 20)]:
        assert [fields(a) for a in listed[start:stop]] == [fields(a) for a in accounts_for(user)[start:stop]]
