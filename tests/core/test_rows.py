"""Precompiled hot-path queries give what the ORM gives and keep its rules."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from finance.accounts.models import Account
from finance.accounts.selectors import account_for_update, account_list
from finance.categories.selectors import category_for_update
from finance.core.rows import ColumnUpdate, PreparedValues, Rows
from finance.reports import selectors as reports
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_owned_rows_match_the_orm_and_are_none_for_another_user(user, other_user):
    account = AccountFactory(user=user, currency="JPY", opening_balance="1200")
    category = CategoryFactory(user=user, type="income")
    with transaction.atomic():
        assert fields(account_for_update(user_id=user.pk, account_id=account.pk)) == fields(
            Account.objects.get(pk=account.pk)
        )
        assert category_for_update(user_id=user.pk, category_id=category.pk).name == category.name
        assert account_for_update(user_id=other_user.pk, account_id=account.pk) is None
        assert category_for_update(user_id=other_user.pk, category_id=category.pk) is None
        assert account_for_update(user_id=user.pk, account_id=account.pk + 1000) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the test's own transaction would hide the rule
def test_locking_reads_need_a_transaction_like_select_for_update(user):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks, so Django allows select_for_update anywhere there")
    account = AccountFactory(user=user)
    with pytest.raises(TransactionManagementError):
        Rows(Account, "pk", "user_id", for_update=True).first(account.pk, user.pk)


def test_the_values_follow_the_fields_in_the_order_given(user, other_user):
    account = AccountFactory(user=user)
    by_owner_first = Rows(Account, "user_id", "pk")
    assert by_owner_first.first(user.pk, account.pk).pk == account.pk
    assert by_owner_first.first(other_user.pk, account.pk) is None


def test_a_column_update_writes_the_exact_decimal_and_counts_rows(user):
    account = AccountFactory(user=user, opening_balance="0.10")
    update = ColumnUpdate(Account, "balance")
    assert update.run(account.pk, Decimal("0.1") + Decimal("0.2")) == 1
    assert Account.objects.get(pk=account.pk).balance == Decimal("0.3000")
    assert update.run(account.pk + 1000, Decimal("1")) == 0


def test_prepared_reports_give_what_the_orm_gives_for_any_values(user, other_user):
    dollars = AccountFactory(user=user, currency="USD", opening_balance="0")
    euros = AccountFactory(user=user, currency="EUR", opening_balance="0")
    food = CategoryFactory(user=user, type="expense")
    pay = CategoryFactory(user=user, type="income")
    for day, account, category, amount in [
        (3, dollars, food, "12.34"),
        (9, euros, food, "0.10"),
        (9, euros, pay, "1000.00"),
        (20, dollars, pay, "50.05"),
    ]:
        make_transaction(account, category, amount, date=datetime.date(2026, 3, day))
    shapes = [
        (reports._SUMMARY, reports._summary_rows),
        (reports._BY_CATEGORY, reports._by_category_rows),
    ]
    periods = [
        {"user_id": user.pk, "date_from": datetime.date(2026, 3, 1), "date_to": datetime.date(2026, 3, 31)},
        {"user_id": user.pk, "date_from": datetime.date(2026, 3, 5), "date_to": datetime.date(2026, 3, 9)},
        {
            "user_id": other_user.pk,
            "date_from": datetime.date(2026, 1, 1),
            "date_to": datetime.date(2026, 12, 31),
        },
    ]
    for prepared, build in shapes:
        for period in periods:
            assert prepared[False].rows(**period) == list(build(**period))
            for account in (dollars, euros):
                assert prepared[True].rows(**period, account_id=account.pk) == list(
                    build(**period, account_id=account.pk)
                )


def test_a_query_that_loses_a_sentinel_is_refused_at_compile_time():
    field = Account._meta.get_field("user")
    ignores_its_value = PreparedValues(
        lambda user_id: Account.objects.values("name"), user_id=(field, 424242)
    )
    with pytest.raises(RuntimeError, match="sentinel"):
        ignores_its_value.rows(user_id=1)


def test_prepared_lists_give_the_orm_rows_and_counts_for_every_filter(user, other_user):
    from finance.transactions import selectors as transactions

    dollars = AccountFactory(user=user, currency="USD", opening_balance="0")
    yen = AccountFactory(user=user, currency="JPY", opening_balance="0")
    food = CategoryFactory(user=user, type="expense")
    pay = CategoryFactory(user=user, type="income")
    for day in range(1, 13):
        account, category = (dollars, food) if day % 3 else (yen, pay)
        make_transaction(
            account, category, "7" if account is yen else "1.25", date=datetime.date(2026, 5, day)
        )
    AccountFactory(user=other_user)
    variants = [
        {},
        {"date_from": datetime.date(2026, 5, 3), "date_to": datetime.date(2026, 5, 9)},
        {"account_id": yen.pk},
        {"category_id": food.pk, "type": "expense"},
        {"type": "income", "date_to": datetime.date(2026, 5, 6)},
    ]
    for filters in variants:
        expected = list(transactions.transactions_for(user, **filters))
        prepared = transactions.transaction_list(user, **filters)
        assert prepared.count() == len(expected)
        for start, stop in [(0, 5), (5, 10), (10, 15), (0, 100)]:
            rows = prepared[start:stop]
            assert [(t.pk, t.currency, t.amount) for t in rows] == [
                (t.pk, t.currency, t.amount) for t in expected[start:stop]
            ]
            assert [fields(t) for t in rows] == [fields(t) for t in expected[start:stop]]
    assert transactions.transaction_list(other_user).count() == 0
    assert transactions.transaction_list(other_user)[0:20] == []


def test_a_prepared_account_list_is_the_users_accounts_in_id_order(user, other_user):
    mine = [AccountFactory(user=user).pk for _ in range(3)]
    AccountFactory(user=other_user)
    listed = account_list(user)
    assert listed.count() == 3
    assert [a.pk for a in listed[0:20]] == sorted(mine)
    assert [a.pk for a in listed[1:2]] == sorted(mine)[1:2]
