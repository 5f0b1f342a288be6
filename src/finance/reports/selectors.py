"""Reports: each one aggregate SQL query (GROUP BY), amounts never summed across currencies.

Plain SQL (docs/adr/0002-hot-path-sql.md): building these aggregates with the ORM cost about a millisecond
of CPU per report, more than PostgreSQL spends computing a year of one user's figures.
tests/reports/test_hot_sql.py checks that each returns what its ORM equivalent returns.
"""

from datetime import date
from typing import Any

from django.db import connection

from finance.core.money import format_money, from_db

SUMMARY_SQL = """
    SELECT a.currency,
           SUM(t.amount) FILTER (WHERE t.type = 'income') AS income,
           SUM(t.amount) FILTER (WHERE t.type = 'expense') AS expense
    FROM transactions_transaction t
    JOIN accounts_account a ON a.id = t.account_id
    WHERE {period}
    GROUP BY a.currency
    ORDER BY a.currency
"""
BY_CATEGORY_SQL = """
    SELECT t.category_id, c.name, c.type, a.currency, SUM(t.amount) AS total, COUNT(*) AS count
    FROM transactions_transaction t
    JOIN categories_category c ON c.id = t.category_id
    JOIN accounts_account a ON a.id = t.account_id
    WHERE {period}
    GROUP BY t.category_id, c.name, c.type, a.currency
    ORDER BY c.type, total DESC, t.category_id, a.currency
"""


def _rows(sql: str, user_id: int, date_from: date, date_to: date, account_id: int | None) -> list[tuple]:
    """The query's rows for the user's transactions dated within the period (and on one account)."""
    period = "t.user_id = %s AND t.date >= %s AND t.date <= %s"
    params: list[int | date] = [user_id, date_from, date_to]
    if account_id is not None:
        period, params = f"{period} AND t.account_id = %s", [*params, account_id]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(period=period), params)
        return cursor.fetchall()


def summary(*, user_id: int, date_from: date, date_to: date, account_id: int | None = None) -> dict[str, Any]:
    """Income, expense and balance per currency; top-level figures when the period has one currency."""
    by_currency = []
    for currency, income, expense in _rows(SUMMARY_SQL, user_id, date_from, date_to, account_id):
        income, expense = from_db(income), from_db(expense)
        by_currency.append(
            {
                "currency": currency,
                "income": format_money(income, currency),
                "expense": format_money(expense, currency),
                "balance": format_money(income - expense, currency),
            }
        )
    report: dict[str, Any] = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "account": account_id,
        "currency": None,
        "income": "0",
        "expense": "0",
        "balance": "0",
        "by_currency": by_currency,
    }
    if len(by_currency) == 1:
        report.update(by_currency[0])
    elif len(by_currency) > 1:
        report.update(income=None, expense=None, balance=None)
    return report


def by_category(
    *, user_id: int, date_from: date, date_to: date, account_id: int | None = None
) -> dict[str, Any]:
    """Total and count per category and currency, income first, the largest totals first."""
    rows = _rows(BY_CATEGORY_SQL, user_id, date_from, date_to, account_id)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "account": account_id,
        "results": [
            {
                "category_id": category_id,
                "name": name,
                "type": type_,
                "total": format_money(from_db(total), currency),
                "count": count,
                "currency": currency,
            }
            for category_id, name, type_, currency, total, count in rows
        ],
    }
