"""Reads of transfers, always filtered by owner in the query."""

from datetime import date

from django.db.models import Q, QuerySet

from finance.core.db.sql_list import SqlList
from finance.transactions.models import Transaction
from finance.transfers.models import Transfer
from finance.users.models import User


def transfers_for(
    user: User, *, date_from: date | None = None, date_to: date | None = None, account_id: int | None = None
) -> QuerySet[Transfer]:
    """The user's transfers, newest first; `account_id` selects those from or to that account. A transfer
    whose two accounts were both deleted has no legs left and is nobody's money: it is not listed."""
    queryset = Transfer.objects.filter(user=user).exclude(from_account__isnull=True, to_account__isnull=True)
    if date_from is not None:
        queryset = queryset.filter(date__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(date__lte=date_to)
    if account_id is not None:
        queryset = queryset.filter(Q(from_account_id=account_id) | Q(to_account_id=account_id))
    return queryset.order_by("-date", "-id")


def with_legs(transfers: list[Transfer]) -> list[Transfer]:
    """Sets from_transaction_id and to_transaction_id on each transfer, with one query for all of them."""
    legs = Transaction.objects.filter(transfer_id__in=[t.pk for t in transfers]).values_list(
        "transfer_id", "direction", "pk"
    )
    by_leg = {(transfer_id, direction): pk for transfer_id, direction, pk in legs}
    for transfer in transfers:
        transfer.from_transaction_id = by_leg.get((transfer.pk, Transaction.Direction.OUT))
        transfer.to_transaction_id = by_leg.get((transfer.pk, Transaction.Direction.IN))
    return transfers


def transfer_list(
    user: User, *, date_from: date | None = None, date_to: date | None = None, account_id: int | None = None
) -> SqlList[Transfer]:
    """transfers_for() as a list to paginate, each page with its legs."""
    queryset = transfers_for(user, date_from=date_from, date_to=date_to, account_id=account_id)
    return SqlList(
        page=lambda limit, offset: with_legs(list(queryset[offset : offset + limit])), count=queryset.count
    )
