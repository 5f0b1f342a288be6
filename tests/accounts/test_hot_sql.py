"""The plain SQL on the accounts' hot path returns and writes exactly what its ORM equivalent does."""

from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from finance.accounts.models import Account
from finance.accounts.selectors import ACCOUNT_COLUMNS, account_for_update, account_list, accounts_for
from finance.accounts.services import move_balance
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_the_locked_account_is_the_orm_row_and_none_when_not_the_users(user, other_user):
    account = AccountFactory(user=user, currency="JPY", opening_balance="1200")
    with transaction.atomic():
        expected = accounts_for(user).select_for_update().filter(pk=account.pk).first()
        assert fields(account_for_update(user_id=user.pk, account_id=account.pk)) == fields(expected)
        assert account_for_update(user_id=other_user.pk, account_id=account.pk) is None
        assert account_for_update(user_id=user.pk, account_id=account.pk + 1000) is None


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
        account_for_update(user_id=user.pk, account_id=account.pk)
        with psycopg.connect(**params) as other, pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SELECT 1 FROM accounts_account WHERE id = %s FOR UPDATE NOWAIT", [account.pk])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_a_lock_outside_a_transaction_is_refused_like_select_for_update(user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks, so Django allows select_for_update anywhere there")
    account = AccountFactory(user=user)
    with pytest.raises(TransactionManagementError):
        account_for_update(user_id=user.pk, account_id=account.pk)


def test_moving_a_balance_writes_what_an_orm_update_writes(user):
    mine = AccountFactory(user=user, opening_balance="0.10")
    twin = AccountFactory(user=user, opening_balance="0.10")
    with transaction.atomic():
        move_balance(account_for_update(user_id=user.pk, account_id=mine.pk), Decimal("0.2"))
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
