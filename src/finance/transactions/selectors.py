import functools
from datetime import date

from django.db.models import Count, OuterRef, QuerySet, Subquery

from finance.accounts.models import Account
from finance.core.rows import PreparedList, PreparedModels, PreparedValues
from finance.reports import cache as report_cache
from finance.transactions.models import Transaction
from finance.users.models import User

# Sentinel values the list queries are compiled with (finance.core.rows): never real filter values.
_SENTINELS = {
    "user_id": ("user", 987_650_000_001),
    "date_from": ("date", date(1, 2, 3)),
    "date_to": ("date", date(1, 4, 5)),
    "account_id": ("account", 987_650_000_002),
    "category_id": ("category", 987_650_000_003),
    "type": ("type", "~sentinel-type~"),
}


def _filtered(
    *,
    user_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    account_id: int | None = None,
    category_id: int | None = None,
    type: str | None = None,
) -> QuerySet[Transaction]:
    queryset = Transaction.objects.filter(user_id=user_id)
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
    return queryset


def _newest_first_with_currency(queryset: QuerySet[Transaction]) -> QuerySet[Transaction]:
    # The currency comes from a per-row subquery rather than a join: COUNT(*) for the pagination drops an
    # unused subquery, so it stays an index-only scan, while a join would visit every row of the user.
    currency = Account.objects.filter(pk=OuterRef("account_id")).values("currency")[:1]
    return queryset.annotate(currency=Subquery(currency)).order_by("-date", "-id")


def transactions_for(user: User, **filters) -> QuerySet[Transaction]:
    """The user's transactions, newest first, each carrying its account's currency.

    Filters: date_from, date_to (inclusive), account_id, category_id, type."""
    return _newest_first_with_currency(_filtered(user_id=user.pk, **filters))


@functools.cache
def _prepared_list(filters: frozenset[str]) -> tuple[PreparedModels, PreparedValues]:
    """The list's page and count queries for one combination of filters, compiled once."""
    field = Transaction._meta.get_field
    sentinels = {
        name: (field(field_name), value)
        for name, (field_name, value) in _SENTINELS.items()
        if name == "user_id" or name in filters
    }
    page = PreparedModels(lambda **values: _newest_first_with_currency(_filtered(**values)), **sentinels)
    count = PreparedValues(
        lambda **values: _filtered(**values).order_by().values("user_id").annotate(count=Count("pk")),
        **sentinels,
    )
    return page, count


class _CountedList(PreparedList):
    def count(self) -> int:
        # COUNT(*) over a user's ten thousand transactions is the costliest part of a page; it changes only
        # with the user's writes, which make the cached count stale (finance.reports.cache).
        params = {name: str(value) for name, value in self.values.items() if name != "user_id"}
        return report_cache.cached_count(
            user_id=self.values["user_id"], list_name="transactions", params=params, compute=super().count
        )


def transaction_list(user: User, **filters) -> PreparedList:
    """transactions_for() as a list to paginate: page and count queries compiled once per combination of
    filters, the count cached until the user's next write (the list is the busiest read of the API)."""
    given = {name: value for name, value in filters.items() if value is not None and value != ""}
    page, count = _prepared_list(frozenset(given))
    return _CountedList(page, count, user_id=user.pk, **given)
