"""Reads of accounts, always filtered by owner in the query."""

from typing import Any

from django.db import connection
from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.db.transaction import TransactionManagementError

from finance.accounts.models import Account
from finance.users.models import User


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)


# Hot path, plain SQL (docs/adr/0002-hot-path-sql.md): every transaction write locks the rows of its
# accounts first. tests/accounts/test_hot_sql.py checks that it returns what
# `accounts_for(user).select_for_update().filter(pk=account_id).first()` returns.
ACCOUNT_FOR_UPDATE_SQL = """
    SELECT id, user_id, name, currency, opening_balance, balance, created_at
    FROM accounts_account
    WHERE id = %s AND user_id = %s
"""


def account_for_update(*, user_id: int, account_id: int) -> Account | None:
    """The user's account, row-locked until the transaction ends; None when it is not theirs."""
    if not connection.in_atomic_block:  # the rule of select_for_update: a lock outside one means nothing
        raise TransactionManagementError("account_for_update() takes a row lock: call it in a transaction")
    sql = ACCOUNT_FOR_UPDATE_SQL
    if connection.features.has_select_for_update:  # PostgreSQL; SQLite locks the whole database instead
        sql += " FOR UPDATE"
    return next(iter(Account.objects.raw(sql, [account_id, user_id])), None)


def balance_mismatches() -> QuerySet[Account, dict[str, Any]]:
    """Accounts whose balance differs from opening balance + income - expense (one aggregate query):
    their id, user_id, balance and the expected balance."""
    zero = Value(0, output_field=DecimalField())
    return (
        Account.objects.annotate(
            income=Coalesce(Sum("transactions__amount", filter=Q(transactions__type="income")), zero),
            expense=Coalesce(Sum("transactions__amount", filter=Q(transactions__type="expense")), zero),
        )
        .annotate(expected=F("opening_balance") + F("income") - F("expense"))
        .exclude(balance=F("expected"))
        .order_by("pk")
        .values("id", "user_id", "balance", "expected")
    )
