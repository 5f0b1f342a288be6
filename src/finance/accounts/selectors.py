"""Reads of accounts, always filtered by owner in the query."""

from collections.abc import Collection
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from finance.accounts.models import Account
from finance.core.db.sql_list import SqlList
from finance.users.models import User


def accounts_for(user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user)


# Hot path, plain SQL on PostgreSQL (docs/adr/0002-hot-path-sql.md): every transaction and transfer locks its
# accounts first, and the list is among the busiest reads. Building these statements with the ORM cost more
# CPU than running them. Other databases run the ORM query each statement equals (SQLite's driver returns
# other types); tests/accounts/test_hot_sql.py checks on PostgreSQL that both give the same.
ACCOUNT_COLUMNS = ("id", "user_id", "name", "currency", "opening_balance", "balance", "created_at")
# PostgreSQL sorts before it locks (ORDER BY is applied before the locking clause), so the rows are locked
# in id order: two writers of the same accounts never wait on each other in a cycle.
ACCOUNTS_FOR_UPDATE_SQL = """
    SELECT id, user_id, name, currency, opening_balance, balance, created_at
    FROM accounts_account
    WHERE id = ANY(%s) AND user_id = %s
    ORDER BY id
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


def accounts_for_update(*, user_id: int, account_ids: Collection[int]) -> dict[int, Account]:
    """The user's accounts among these ids, row-locked in id order until the transaction ends; an id that is
    not the user's is missing from the result."""
    if connection.vendor != "postgresql":
        locked = (
            Account.objects.select_for_update().filter(pk__in=account_ids, user_id=user_id).order_by("pk")
        )
        return {account.pk: account for account in locked}
    if not connection.in_atomic_block:  # the rule of select_for_update: a lock outside one means nothing
        raise TransactionManagementError("accounts_for_update() takes row locks: call it in a transaction")
    return {
        account.pk: account for account in _accounts(ACCOUNTS_FOR_UPDATE_SQL, [list(account_ids), user_id])
    }


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
