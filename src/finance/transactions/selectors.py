from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from finance.accounts.models import Account
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
) -> QuerySet[Transaction]:
    """The user's transactions, newest first, each carrying its account's currency."""
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
    # The currency comes from a per-row subquery rather than a join: COUNT(*) for the pagination drops an
    # unused subquery, so it stays an index-only scan, while a join would visit every row of the user.
    currency = Account.objects.filter(pk=OuterRef("account_id")).values("currency")[:1]
    return queryset.annotate(currency=Subquery(currency)).order_by("-date", "-id")
