"""Reads of accounts, always filtered by owner in the query."""

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from finance.accounts.models import Account
from finance.core.db.sql_list import SqlList
from finance.users.models import User


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)


# Hot path, plain SQL on PostgreSQL (docs/adr/0002-hot-path-sql.md): every transaction write locks its
# accounts, and the list is among the busiest reads. Building these statements with the ORM cost more CPU than
# running them. Other databases run the ORM query each statement equals (SQLite's driver returns other types);
# tests/accounts/test_hot_sql.py checks on PostgreSQL that both give the same.
ACCOUNT_COLUMNS = ("id", "user_id", "name", "currency", "opening_balance", "balance", "created_at")
ACCOUNT_FOR_UPDATE_SQL = """
    SELECT id, user_id, name, currency, opening_balance, balance, created_at
    FROM accounts_account
    WHERE id = %s AND user_id = %s
    FOR UPDATE
"""
ACCOUNT_PAGE_SQL = """
    SELECT id, user_id, name, currency, opening_balance, balance, created_at
    FROM accounts_account
    WHERE user_id = %s
    ORDER BY id
    LIMIT %s OFFSET %s
"""
ACCOUNT_COUNT_SQL = "SELECT COUNT(*) FROM accounts_account WHERE user_id = %s"


def _accounts(sql: str, params: list[Any]) -> list[Account]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Account.from_db(connection.alias, ACCOUNT_COLUMNS, row) for row in cursor.fetchall()]


def account_for_update(*, user_id: int, account_id: int) -> Account | None:
    """The user's account, row-locked until the transaction ends; None when it is not theirs."""
    if connection.vendor != "postgresql":
        return Account.objects.select_for_update().filter(pk=account_id, user_id=user_id).first()
    if not connection.in_atomic_block:  # the rule of select_for_update: a lock outside one means nothing
        raise TransactionManagementError("account_for_update() takes a row lock: call it in a transaction")
    found = _accounts(ACCOUNT_FOR_UPDATE_SQL, [account_id, user_id])
    return found[0] if found else None


def account_list(user: User) -> SqlList[Account] | QuerySet[Account]:
    """accounts_for(user), oldest first, as a list to paginate."""
    if connection.vendor != "postgresql":
        return accounts_for(user)

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(ACCOUNT_COUNT_SQL, [user.pk])
            return int(cursor.fetchone()[0])

    return SqlList(
        page=lambda limit, offset: _accounts(ACCOUNT_PAGE_SQL, [user.pk, limit, offset]), count=count
    )
