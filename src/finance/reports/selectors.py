"""Reports: aggregate SQL over the pre-aggregated figures, amounts never summed across currencies.

On PostgreSQL the reports read the figures a trigger keeps per account and day, and per category and day
or month (docs/adr/0007-pre-aggregated-figures.md): a report over ten years reads a few thousand rows
however many transactions they summarise. They are plain SQL (docs/adr/0002-hot-path-sql.md). Other
databases have no figures: there the same reports are computed from the transactions with the ORM - the
reference the tests compare the SQL with on PostgreSQL (tests/reports/test_figures.py).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from finance.accounts.models import Account
from finance.core.errors import ValidationFailed
from finance.core.money import format_money, from_db
from finance.reports import periods as calendar
from finance.transactions import figures
from finance.transactions.models import Transaction

ZERO = Decimal(0)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rows(
    user_id: int, date_from: date, date_to: date, account_id: int | None = None
) -> QuerySet[Transaction]:
    """The user's transactions dated within the period (and on one account): what the ORM reports read."""
    rows = Transaction.objects.filter(user_id=user_id, date__gte=date_from, date__lte=date_to)
    return rows.filter(account_id=account_id) if account_id is not None else rows


def _account_filter(account_id: int | None, params: list[Any], column: str = "account_id") -> str:
    if account_id is None:
        return ""
    params.append(account_id)
    return f" AND {column} = %s"


# --- summary ----------------------------------------------------------------------------------------------
SUMMARY_SQL = """
    SELECT a.currency, SUM(d.income), SUM(d.expense), SUM(d.transfers_in), SUM(d.transfers_out)
    FROM transactions_accountday d
    JOIN accounts_account a ON a.id = d.account_id
    WHERE d.user_id = %s AND d.date >= %s AND d.date <= %s{account}
    GROUP BY a.currency
    HAVING SUM(d.count) > 0
    ORDER BY a.currency
"""


def summary_rows(
    user_id: int, date_from: date, date_to: date, account_id: int | None = None
) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal]]:
    """(currency, income, expense, transfers in, transfers out) per currency with movements in the period."""
    if figures.kept():
        params: list[Any] = [user_id, date_from, date_to]
        sql = SUMMARY_SQL.format(account=_account_filter(account_id, params, "d.account_id"))
        return [
            (c, from_db(i), from_db(e), from_db(ti), from_db(to)) for c, i, e, ti, to in _fetch(sql, params)
        ]
    found = (
        _rows(user_id, date_from, date_to, account_id)
        .values("account__currency")
        .annotate(
            income=Sum("amount", filter=Q(type="income"), default=ZERO),
            expense=Sum("amount", filter=Q(type="expense"), default=ZERO),
            transfers_in=Sum("amount", filter=Q(type="transfer", direction="in"), default=ZERO),
            transfers_out=Sum("amount", filter=Q(type="transfer", direction="out"), default=ZERO),
        )
        .order_by("account__currency")
    )
    return [
        (r["account__currency"], r["income"], r["expense"], r["transfers_in"], r["transfers_out"])
        for r in found
    ]


def summary(*, user_id: int, date_from: date, date_to: date, account_id: int | None = None) -> dict[str, Any]:
    """Income, expense, their balance and the transfers in and out, per currency; top-level figures when the
    period has one currency. Transfers are never income or expense: with them, an account's summary over
    its whole history reconciles with its balance (opening + income - expense + in - out)."""
    by_currency = [
        {
            "currency": currency,
            "income": format_money(income, currency),
            "expense": format_money(expense, currency),
            "balance": format_money(income - expense, currency),
            "transfers_in": format_money(transfers_in, currency),
            "transfers_out": format_money(transfers_out, currency),
        }
        for currency, income, expense, transfers_in, transfers_out in summary_rows(
            user_id, date_from, date_to, account_id
        )
    ]
    report: dict[str, Any] = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "account": account_id,
        "currency": None,
        "income": "0",
        "expense": "0",
        "balance": "0",
        "transfers_in": "0",
        "transfers_out": "0",
        "by_currency": by_currency,
    }
    if len(by_currency) == 1:
        report.update(by_currency[0])
    elif len(by_currency) > 1:
        report.update(income=None, expense=None, balance=None, transfers_in=None, transfers_out=None)
    return report


# --- by category ------------------------------------------------------------------------------------------
BY_CATEGORY_SQL = """
    SELECT f.category_id, c.name, c.type, a.currency, SUM(f.amount) AS total, SUM(f.count) AS count
    FROM (
        SELECT account_id, category_id, amount, count FROM transactions_categorymonth
        WHERE user_id = %s AND month >= %s AND month <= %s{account}
        UNION ALL
        SELECT account_id, category_id, amount, count FROM transactions_categoryday
        WHERE user_id = %s AND ((date >= %s AND date <= %s) OR (date >= %s AND date <= %s)){account}
    ) f
    JOIN categories_category c ON c.id = f.category_id
    JOIN accounts_account a ON a.id = f.account_id
    GROUP BY f.category_id, c.name, c.type, a.currency
    HAVING SUM(f.count) > 0
    ORDER BY c.type, total DESC, f.category_id, a.currency
"""
_NOTHING = (date(1, 1, 2), date(1, 1, 1))  # an empty range of dates


def month_split(date_from: date, date_to: date) -> tuple[tuple[date, date], list[tuple[date, date]]]:
    """The whole calendar months within [date_from, date_to] (as the first days of the first and the last;
    an empty range when there is none) and the days outside them: at most two ranges, empty ones as
    _NOTHING."""
    first = (
        date_from if date_from.day == 1 else calendar.period_start(date_from + timedelta(days=31), "month")
    )
    after = date_to + timedelta(days=1)
    end = date_to if after.day == 1 else calendar.period_start(date_to, "month") - timedelta(days=1)
    if first > end:  # no whole month: every day from the day table
        return _NOTHING, [(date_from, date_to), _NOTHING]
    last_month = calendar.period_start(end, "month")
    return (first, last_month), [(date_from, first - timedelta(days=1)), (end + timedelta(days=1), date_to)]


def by_category_rows(
    user_id: int, date_from: date, date_to: date, account_id: int | None = None
) -> list[tuple[int, str, str, str, Decimal, int]]:
    """(category id, name, type, currency, total, count), income first, the largest totals first."""
    if figures.kept():
        (first_month, last_month), ((head_from, head_to), (tail_from, tail_to)) = month_split(
            date_from, date_to
        )
        months: list[Any] = [user_id, first_month, last_month]
        days: list[Any] = [user_id, head_from, head_to, tail_from, tail_to]
        sql = BY_CATEGORY_SQL.format(account=_account_filter(account_id, months))
        _account_filter(account_id, days)
        return [
            (c, n, t, cur, from_db(total), int(k)) for c, n, t, cur, total, k in _fetch(sql, [*months, *days])
        ]
    found = (
        _rows(user_id, date_from, date_to, account_id)
        .filter(category__isnull=False)
        .values("category_id", "category__name", "category__type", "account__currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("category__type", "-total", "category_id", "account__currency")
    )
    return [
        (
            r["category_id"],
            r["category__name"],
            r["category__type"],
            r["account__currency"],
            r["total"],
            r["count"],
        )
        for r in found
    ]


def by_category(
    *, user_id: int, date_from: date, date_to: date, account_id: int | None = None
) -> dict[str, Any]:
    """Total and count per category and currency. Transfers have no category and never appear."""
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "account": account_id,
        "results": [
            {
                "category_id": category_id,
                "name": name,
                "type": type_,
                "total": format_money(total, currency),
                "count": count,
                "currency": currency,
            }
            for category_id, name, type_, currency, total, count in by_category_rows(
                user_id, date_from, date_to, account_id
            )
        ],
    }


# --- movements per period: the base of trends, balances and net worth ---------------------------------------
@dataclass
class Movement:
    """What moved in one currency (or on one account) in one calendar period."""

    income: Decimal = ZERO
    expense: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO

    @property
    def inflow(self) -> Decimal:
        return self.income + self.transfers_in

    @property
    def outflow(self) -> Decimal:
        return self.expense + self.transfers_out

    def add(self, income: Decimal, expense: Decimal, transfers_in: Decimal, transfers_out: Decimal) -> None:
        self.income += income
        self.expense += expense
        self.transfers_in += transfers_in
        self.transfers_out += transfers_out


MOVEMENTS_SQL = """
    SELECT {group}, date_trunc(%s, d.date::timestamp)::date AS period,
           SUM(d.income), SUM(d.expense), SUM(d.transfers_in), SUM(d.transfers_out)
    FROM transactions_accountday d
    JOIN accounts_account a ON a.id = d.account_id
    WHERE d.user_id = %s AND d.date >= %s AND d.date <= %s{account}
    GROUP BY 1, 2
    HAVING SUM(d.count) > 0
"""
CATEGORY_MOVEMENTS_SQL = """
    SELECT a.currency, date_trunc(%s, d.date::timestamp)::date AS period,
           SUM(d.amount) FILTER (WHERE c.type = 'income'), SUM(d.amount) FILTER (WHERE c.type = 'expense')
    FROM transactions_categoryday d
    JOIN accounts_account a ON a.id = d.account_id
    JOIN categories_category c ON c.id = d.category_id
    WHERE d.user_id = %s AND d.category_id = %s AND d.date >= %s AND d.date <= %s{account}
    GROUP BY 1, 2
    HAVING SUM(d.count) > 0
"""


def movements(
    *,
    user_id: int,
    date_from: date,
    date_to: date,
    interval: str,
    by: str = "currency",
    account_id: int | None = None,
    category_id: int | None = None,
) -> dict[tuple[str, date], Movement]:
    """{(currency, or account id when by="account"; the calendar start of a period): what moved}, for the
    periods of [date_from, date_to] that had movements. With a category, only its income or expense."""
    found: dict[tuple[Any, date], Movement] = defaultdict(Movement)
    if figures.kept():
        if category_id is None:
            params: list[Any] = [interval, user_id, date_from, date_to]
            group = "a.currency" if by == "currency" else "d.account_id"
            sql = MOVEMENTS_SQL.format(
                group=group, account=_account_filter(account_id, params, "d.account_id")
            )
            for key, start, income, expense, t_in, t_out in _fetch(sql, params):
                found[(key, start)].add(from_db(income), from_db(expense), from_db(t_in), from_db(t_out))
        else:
            params = [interval, user_id, category_id, date_from, date_to]
            sql = CATEGORY_MOVEMENTS_SQL.format(account=_account_filter(account_id, params, "d.account_id"))
            for key, start, income, expense in _fetch(sql, params):
                found[(key, start)].add(from_db(income), from_db(expense), ZERO, ZERO)
        return dict(found)
    rows = _rows(user_id, date_from, date_to, account_id)
    if category_id is not None:
        rows = rows.filter(category_id=category_id)
    group_by = "account__currency" if by == "currency" else "account_id"
    daily = rows.values(group_by, "date", "type", "direction").annotate(total=Sum("amount"))
    for row in daily:
        movement = found[(row[group_by], calendar.period_start(row["date"], interval))]
        kind, total = (row["type"], row["direction"]), row["total"]
        movement.add(
            total if kind[0] == "income" else ZERO,
            total if kind[0] == "expense" else ZERO,
            total if kind == ("transfer", "in") else ZERO,
            total if kind == ("transfer", "out") else ZERO,
        )
    return dict(found)


def _check_points(date_from: date, date_to: date, interval: str) -> list[tuple[date, date]]:
    wanted = calendar.count(date_from, date_to, interval)
    if wanted > calendar.MAX_POINTS:
        raise ValidationFailed(
            {
                "interval": [
                    f"{wanted} periods by {interval}; at most {calendar.MAX_POINTS}: choose a wider interval."
                ]
            },
            detail="The period holds too many points for this interval.",
        )
    return calendar.periods(date_from, date_to, interval)


def _balances_before(
    user_id: int, day: date, *, by: str = "currency", account_id: int | None = None
) -> dict[Any, Decimal]:
    """{currency or account id: net movement (in - out) of everything dated before `day`}."""
    if figures.kept():
        params: list[Any] = [user_id, day]
        group = "a.currency" if by == "currency" else "d.account_id"
        sql = (
            f"SELECT {group}, SUM(d.income + d.transfers_in - d.expense - d.transfers_out) "  # noqa: S608
            "FROM transactions_accountday d JOIN accounts_account a ON a.id = d.account_id "
            f"WHERE d.user_id = %s AND d.date < %s{_account_filter(account_id, params, 'd.account_id')} GROUP BY 1"
        )
        return {key: from_db(net) for key, net in _fetch(sql, params)}
    rows = Transaction.objects.filter(user_id=user_id, date__lt=day)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    group_by = "account__currency" if by == "currency" else "account_id"
    net: dict[Any, Decimal] = defaultdict(Decimal)
    for row in rows.values(group_by, "direction").annotate(total=Sum("amount")):
        net[row[group_by]] += row["total"] if row["direction"] == "in" else -row["total"]
    return dict(net)


# --- trends -----------------------------------------------------------------------------------------------
def trends(
    *,
    user_id: int,
    date_from: date,
    date_to: date,
    interval: str,
    account_id: int | None = None,
    category_id: int | None = None,
) -> dict[str, Any]:
    """Income, expense and net per period, per currency with movements in the range (transfers excluded)."""
    spans = _check_points(date_from, date_to, interval)
    moved = movements(
        user_id=user_id,
        date_from=date_from,
        date_to=date_to,
        interval=interval,
        account_id=account_id,
        category_id=category_id,
    )
    by_currency = []
    # Currencies with income or expense in the range (a currency that only received transfers has none).
    for currency in sorted(
        {currency for (currency, _), movement in moved.items() if movement.income or movement.expense}
    ):
        lines = []
        for start, end in spans:
            movement = moved.get((currency, calendar.period_start(start, interval)), Movement())
            lines.append(
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "income": format_money(movement.income, currency),
                    "expense": format_money(movement.expense, currency),
                    "net": format_money(movement.income - movement.expense, currency),
                }
            )
        by_currency.append({"currency": currency, "periods": lines})
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "interval": interval,
        "account": account_id,
        "category": category_id,
        "by_currency": by_currency,
    }


# --- balances of one account, net worth ---------------------------------------------------------------------
def _running(
    opening: Decimal,
    spans: Iterable[tuple[date, date]],
    interval: str,
    moved: dict[date, Movement],
    currency: str,
) -> list[dict[str, str]]:
    points, balance = [], opening
    for start, end in spans:
        movement = moved.get(calendar.period_start(start, interval), Movement())
        balance += movement.inflow - movement.outflow
        points.append(
            {
                "date": end.isoformat(),
                "balance": format_money(balance, currency),
                "inflow": format_money(movement.inflow, currency),
                "outflow": format_money(movement.outflow, currency),
            }
        )
    return points


def account_balances(*, account: Account, date_from: date, date_to: date, interval: str) -> dict[str, Any]:
    """The account's balance at the end of each period (opening balance plus every movement dated on or
    before that day) and the money that came in and went out during it, transfers included."""
    spans = _check_points(date_from, date_to, interval)
    before = _balances_before(account.user_id, date_from, by="account", account_id=account.pk)
    moved = movements(
        user_id=account.user_id,
        date_from=date_from,
        date_to=date_to,
        interval=interval,
        by="account",
        account_id=account.pk,
    )
    opening = account.opening_balance + before.get(account.pk, ZERO)
    on_account = {start: movement for (_, start), movement in moved.items()}
    return {
        "account": account.pk,
        "currency": account.currency,
        "interval": interval,
        "points": _running(opening, spans, interval, on_account, account.currency),
    }


def net_worth(*, user_id: int, date_from: date, date_to: date, interval: str) -> dict[str, Any]:
    """Per currency, the sum of the user's account balances at the end of each period. Currencies are
    never added together."""
    spans = _check_points(date_from, date_to, interval)
    openings: dict[str, Decimal] = defaultdict(Decimal)
    for currency, opening in Account.objects.filter(user_id=user_id).values_list(
        "currency", "opening_balance"
    ):
        openings[currency] += opening
    before = _balances_before(user_id, date_from)
    moved = movements(user_id=user_id, date_from=date_from, date_to=date_to, interval=interval)
    by_currency = []
    for currency in sorted(openings):
        in_currency = {start: movement for (key, start), movement in moved.items() if key == currency}
        points = _running(
            openings[currency] + before.get(currency, ZERO), spans, interval, in_currency, currency
        )
        by_currency.append(
            {"currency": currency, "points": [{"date": p["date"], "balance": p["balance"]} for p in points]}
        )
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "interval": interval,
        "by_currency": by_currency,
    }
