"""Reports: each one aggregate SQL query (GROUP BY), amounts never summed across currencies.

The queries are compiled once per shape (with or without an account filter) and run again with each
request's values (finance.core.rows.PreparedValues): building them with the ORM cost about a millisecond
of CPU per report on top of the aggregate itself.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from finance.categories.models import EntryType
from finance.core.money import format_money
from finance.core.rows import PreparedValues
from finance.transactions.models import Transaction


def _period(user_id: int, date_from: date, date_to: date, account_id: int | None = None) -> QuerySet:
    rows = Transaction.objects.filter(user_id=user_id, date__gte=date_from, date__lte=date_to)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    return rows


def _summary_rows(**period) -> QuerySet:
    return (
        _period(**period)
        .values("account__currency")
        .annotate(
            income=Sum("amount", filter=Q(type=EntryType.INCOME), default=Decimal(0)),
            expense=Sum("amount", filter=Q(type=EntryType.EXPENSE), default=Decimal(0)),
        )
        .order_by("account__currency")
    )


def _by_category_rows(**period) -> QuerySet:
    return (
        _period(**period)
        .values("category_id", "category__name", "category__type", "account__currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("category__type", "-total", "category_id", "account__currency")
    )


def _prepared(build) -> dict[bool, PreparedValues]:
    """The report's query compiled twice: for the whole user (False) and for one account (True)."""
    field = Transaction._meta.get_field
    period = {
        "user_id": (field("user"), 987_654_321_001),
        "date_from": (field("date"), date(1, 2, 3)),
        "date_to": (field("date"), date(1, 4, 5)),
    }
    return {
        False: PreparedValues(build, **period),
        True: PreparedValues(build, **period, account_id=(field("account"), 987_654_321_002)),
    }


_SUMMARY = _prepared(_summary_rows)
_BY_CATEGORY = _prepared(_by_category_rows)


def _rows(prepared: dict[bool, PreparedValues], user_id, date_from, date_to, account_id) -> list[dict]:
    period = {"user_id": user_id, "date_from": date_from, "date_to": date_to}
    if account_id is None:
        return prepared[False].rows(**period)
    return prepared[True].rows(**period, account_id=account_id)


def summary(*, user_id: int, date_from: date, date_to: date, account_id: int | None = None) -> dict:
    """Income, expense and balance per currency; top-level figures when the period has one currency."""
    rows = _rows(_SUMMARY, user_id, date_from, date_to, account_id)
    by_currency = [
        {
            "currency": row["account__currency"],
            "income": format_money(row["income"], row["account__currency"]),
            "expense": format_money(row["expense"], row["account__currency"]),
            "balance": format_money(row["income"] - row["expense"], row["account__currency"]),
        }
        for row in rows
    ]
    report: dict = {
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


def by_category(*, user_id: int, date_from: date, date_to: date, account_id: int | None = None) -> dict:
    rows = _rows(_BY_CATEGORY, user_id, date_from, date_to, account_id)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "account": account_id,
        "results": [
            {
                "category_id": row["category_id"],
                "name": row["category__name"],
                "type": row["category__type"],
                "total": format_money(row["total"], row["account__currency"]),
                "count": row["count"],
                "currency": row["account__currency"],
            }
            for row in rows
        ],
    }
