"""The pre-aggregated figures (docs/adr/0007-pre-aggregated-figures.md), seen from Python.

On PostgreSQL a trigger keeps transactions_accountday, transactions_categoryday and
transactions_categorymonth in step with the rows (migration 0005). This module rebuilds them for bulk
loads that switch the trigger off, and lists where they disagree with the rows (`check_balances`).
"""

import contextlib
from collections.abc import Iterator

from django.db import connection

# The figures as the rows give them: what the tables must hold, and what a rebuild writes.
ACCOUNT_DAYS_FROM_ROWS = """
    SELECT user_id, account_id, date,
           COALESCE(SUM(amount) FILTER (WHERE type = 'income'), 0) AS income,
           COALESCE(SUM(amount) FILTER (WHERE type = 'expense'), 0) AS expense,
           COALESCE(SUM(amount) FILTER (WHERE type = 'transfer' AND direction = 'in'), 0) AS transfers_in,
           COALESCE(SUM(amount) FILTER (WHERE type = 'transfer' AND direction = 'out'), 0) AS transfers_out,
           COUNT(*) AS count
    FROM transactions_transaction {where}
    GROUP BY user_id, account_id, date
"""
CATEGORY_DAYS_FROM_ROWS = """
    SELECT user_id, account_id, category_id, date, SUM(amount) AS amount, COUNT(*) AS count
    FROM transactions_transaction {where} {and_} category_id IS NOT NULL
    GROUP BY user_id, account_id, category_id, date
"""
CATEGORY_MONTHS_FROM_ROWS = """
    SELECT user_id, account_id, category_id, date_trunc('month', date::timestamp)::date AS month,
           SUM(amount) AS amount, COUNT(*) AS count
    FROM transactions_transaction {where} {and_} category_id IS NOT NULL
    GROUP BY user_id, account_id, category_id, date_trunc('month', date::timestamp)::date
"""
TABLES = {
    "transactions_accountday": (
        ACCOUNT_DAYS_FROM_ROWS,
        ("account_id", "date"),
        ("income", "expense", "transfers_in", "transfers_out", "count"),
    ),
    "transactions_categoryday": (
        CATEGORY_DAYS_FROM_ROWS,
        ("account_id", "category_id", "date"),
        ("amount", "count"),
    ),
    "transactions_categorymonth": (
        CATEGORY_MONTHS_FROM_ROWS,
        ("account_id", "category_id", "month"),
        ("amount", "count"),
    ),
}
TRIGGER = "transactions_figures"


def kept() -> bool:
    """Whether the database keeps the figures (PostgreSQL); elsewhere the reports read the rows."""
    return connection.vendor == "postgresql"


def _from_rows(sql: str, users: bool) -> str:
    where = "WHERE user_id = ANY(%s)" if users else ""
    return sql.format(where=where, and_="AND" if users else "WHERE")


def rebuild(user_ids: list[int]) -> None:
    """Recompute the figures of these users from their rows (after a bulk load with the trigger off)."""
    with connection.cursor() as cursor:
        for table, (sql, key, values) in TABLES.items():
            columns = ", ".join(("user_id", *key, *values))
            cursor.execute(f"DELETE FROM {table} WHERE user_id = ANY(%s)", [user_ids])  # noqa: S608 - fixed names
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({_from_rows(sql, True)}) f",  # noqa: S608
                [user_ids],
            )


def mismatches() -> list[tuple[str, tuple]]:
    """(table, key) of every figure that differs from what the rows give, in any direction."""
    found: list[tuple[str, tuple]] = []
    with connection.cursor() as cursor:
        for table, (sql, key, values) in TABLES.items():
            keys = ", ".join(f"COALESCE(t.{k}, r.{k})" for k in key)
            join = " AND ".join(f"t.{k} = r.{k}" for k in key)
            # A table row whose count fell to 0 stands for no rows at all.
            differs = " OR ".join(f"COALESCE(t.{v}, 0) <> COALESCE(r.{v}, 0)" for v in values)
            cursor.execute(
                f"SELECT {keys} FROM {table} t FULL OUTER JOIN ({_from_rows(sql, False)}) r "  # noqa: S608
                f"ON {join} WHERE {differs} ORDER BY 1, 2"
            )
            found += [(table, tuple(row)) for row in cursor.fetchall()]
    return found


@contextlib.contextmanager
def paused(user_ids: list[int]) -> Iterator[None]:
    """Bulk writes of these users' transactions without the row trigger (a million rows would each update
    three tables): it is off for the statements inside, and the users' figures are rebuilt from their rows
    afterwards. Use it in a transaction: ALTER TABLE holds the table's exclusive lock until the transaction
    ends, which suits bulk loads (seed_demo), never requests."""
    if not kept():
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("figures.paused() must run in a transaction")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE transactions_transaction DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE transactions_transaction ENABLE TRIGGER {TRIGGER}")
    rebuild(user_ids)
