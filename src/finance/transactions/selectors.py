"""Reads of transactions, always filtered by owner in the query."""

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from finance.accounts.models import Account
from finance.core import figure_cache
from finance.core.db.sql_list import SqlList
from finance.transactions.models import Transaction
from finance.users.models import User


def transactions_for(
    user: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    account_id: int | None = None,
    category_id: int | None = None,
    type: str | None = None,
    import_id: int | None = None,
) -> QuerySet[Transaction]:
    """The user's transactions, newest first, each carrying its account's currency (`currency`).

    Dates are inclusive; every filter left out (None) selects everything."""
    queryset = Transaction.objects.filter(user=user)
    if date_from is not None:
        queryset = queryset.filter(date__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(date__lte=date_to)
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if type:
        queryset = queryset.filter(type=type)
    if import_id is not None:
        queryset = queryset.filter(source_import_id=import_id)
    currency = Account.objects.filter(pk=OuterRef("account_id")).values("currency")[:1]
    # Fills Transaction.currency, the attribute the model declares for it.
    return queryset.annotate(currency=Subquery(currency)).order_by("-date", "-id")  # type: ignore[no-redef]


# Hot path, plain SQL on PostgreSQL (docs/adr/0002-hot-path-sql.md): the list is the busiest read of the API,
# and building its page and count queries with the ORM cost more CPU than running them. Each filter adds a
# fixed condition with its value as a parameter. Other databases run transactions_for() itself (SQLite's
# driver returns other types); tests/transactions/test_hot_sql.py checks on PostgreSQL that every
# combination of filters gives what transactions_for() gives.
_LIST_FILTERS = {
    "date_from": "t.date >= %s",
    "date_to": "t.date <= %s",
    "account_id": "t.account_id = %s",
    "category_id": "t.category_id = %s",
    "type": "t.type = %s",
    "import_id": "t.source_import_id = %s",
}
TRANSACTION_COLUMNS = (
    "id",
    "user_id",
    "account_id",
    "category_id",
    "type",
    "direction",
    "transfer_id",
    "amount",
    "description",
    "date",
    "source_import_id",
    "external_id",
    "created_at",
)
LIST_PAGE_SQL = """
    SELECT t.id, t.user_id, t.account_id, t.category_id, t.type, t.direction, t.transfer_id, t.amount,
           t.description, t.date, t.source_import_id, t.external_id, t.created_at, a.currency
    FROM transactions_transaction t
    JOIN accounts_account a ON a.id = t.account_id
    WHERE {conditions}
    ORDER BY t.date DESC, t.id DESC
    LIMIT %s OFFSET %s
"""
# No join: the count stays an index-only scan of (user, date, id) or (account, date, id).
LIST_COUNT_SQL = "SELECT COUNT(*) FROM transactions_transaction t WHERE {conditions}"


def transaction_list(
    user: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    account_id: int | None = None,
    category_id: int | None = None,
    type: str | None = None,
    import_id: int | None = None,
) -> SqlList[Transaction]:
    """transactions_for() as a list to paginate. Its count is cached until the user's next write: COUNT(*)
    over ten thousand rows is the costliest part of a page, and only writes change it."""
    given = {
        "date_from": date_from,
        "date_to": date_to,
        "account_id": account_id,
        "category_id": category_id,
        "type": type or None,
        "import_id": import_id,
    }
    filters = {name: value for name, value in given.items() if value is not None}
    conditions = " AND ".join(["t.user_id = %s", *(_LIST_FILTERS[name] for name in filters)])
    params: list[Any] = [user.pk, *filters.values()]
    page_sql, count_sql = (
        LIST_PAGE_SQL.format(conditions=conditions),
        LIST_COUNT_SQL.format(conditions=conditions),
    )

    def orm() -> QuerySet[Transaction]:
        return transactions_for(
            user,
            date_from=date_from,
            date_to=date_to,
            account_id=account_id,
            category_id=category_id,
            type=type,
            import_id=import_id,
        )

    def page(limit: int, offset: int) -> list[Transaction]:
        if connection.vendor != "postgresql":
            return list(orm()[offset : offset + limit])
        with connection.cursor() as cursor:
            cursor.execute(page_sql, [*params, limit, offset])
            rows = cursor.fetchall()
        found = []
        for *values, currency in rows:
            tx = Transaction.from_db(connection.alias, TRANSACTION_COLUMNS, values)
            tx.currency = currency
            found.append(tx)
        return found

    def count() -> int:
        if connection.vendor != "postgresql":
            return orm().count()
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            return int(cursor.fetchone()[0])

    def cached_count() -> int:
        key = {name: str(value) for name, value in filters.items()}
        return figure_cache.cached_count(user_id=user.pk, list_name="transactions", params=key, compute=count)

    return SqlList(page=page, count=cached_count)


def balance_mismatches() -> QuerySet[Account, dict[str, Any]]:
    """Accounts whose balance differs from their opening balance plus the money their transactions moved
    in minus what they moved out (income, expense and transfer legs alike), in one aggregate query: each
    as its id, user_id, balance and the expected balance."""
    zero = Value(0, output_field=DecimalField())
    return (
        Account.objects.annotate(
            moved_in=Coalesce(Sum("transactions__amount", filter=Q(transactions__direction="in")), zero),
            moved_out=Coalesce(Sum("transactions__amount", filter=Q(transactions__direction="out")), zero),
        )
        .annotate(expected=F("opening_balance") + F("moved_in") - F("moved_out"))
        .exclude(balance=F("expected"))
        .order_by("pk")
        .values("id", "user_id", "balance", "expected")
    )
