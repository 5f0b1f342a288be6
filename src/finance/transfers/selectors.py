"""Reads of transfers, always filtered by owner in the query."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from finance.core.db.sql_list import SqlList
from finance.transactions.models import Transaction
from finance.transactions.selectors import transactions_for
from finance.transfers.models import RejectedPair, Transfer
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


# --- suggested transfers ---------------------------------------------------------------------------------
SUGGESTION_DAYS = 4


@dataclass(frozen=True)
class Pair:
    """An expense and an income that look like one transfer between two of the user's accounts."""

    outflow: Transaction
    inflow: Transaction

    @property
    def days_apart(self) -> int:
        return abs((self.inflow.date - self.outflow.date).days)


def suggested_pairs(
    user: User, *, date_from: date | None = None, date_to: date | None = None, account_id: int | None = None
) -> list[Pair]:
    """Pairs of an expense on one account and an income of the same amount on another account of the same
    currency, at most SUGGESTION_DAYS apart, neither part of a transfer, never rejected by the user.

    Each transaction is in at most one pair: pairs are taken nearest in date first (then oldest), skipping
    any whose expense or income an earlier pair took. `from`/`to` select by the expense's date; `account`
    pairs with that account on either side."""
    window = timedelta(days=SUGGESTION_DAYS)
    incomes = Transaction.objects.filter(user=user, type=Transaction.Type.INCOME)
    matching_income = incomes.filter(
        amount=OuterRef("amount"),
        account__currency=OuterRef("account__currency"),
        date__gte=OuterRef("date") - window,
        date__lte=OuterRef("date") + window,
    ).exclude(account_id=OuterRef("account_id"))
    outflows = transactions_for(
        user, date_from=date_from, date_to=date_to, type=Transaction.Type.EXPENSE
    ).filter(Exists(matching_income))
    outflow_rows = list(outflows)
    if not outflow_rows:
        return []
    dates = [tx.date for tx in outflow_rows]
    inflow_rows = list(
        transactions_for(
            user, date_from=min(dates) - window, date_to=max(dates) + window, type="income"
        ).filter(amount__in={tx.amount for tx in outflow_rows})
    )
    rejected = set(
        RejectedPair.objects.filter(user=user, outflow_id__in=[tx.pk for tx in outflow_rows]).values_list(
            "outflow_id", "inflow_id"
        )
    )
    by_amount: dict[tuple, list[Transaction]] = defaultdict(list)
    for tx in inflow_rows:
        by_amount[(tx.amount, tx.currency)].append(tx)
    candidates = [
        Pair(outflow, inflow)
        for outflow in outflow_rows
        for inflow in by_amount[(outflow.amount, outflow.currency)]
        if inflow.account_id != outflow.account_id
        and abs((inflow.date - outflow.date).days) <= SUGGESTION_DAYS
        and (outflow.pk, inflow.pk) not in rejected
        and (account_id is None or account_id in (outflow.account_id, inflow.account_id))
    ]
    candidates.sort(key=lambda p: (p.days_apart, p.outflow.date, p.outflow.pk, p.inflow.pk))
    taken: set[int] = set()
    pairs = []
    for pair in candidates:
        if pair.outflow.pk in taken or pair.inflow.pk in taken:
            continue
        taken |= {pair.outflow.pk, pair.inflow.pk}
        pairs.append(pair)
    pairs.sort(key=lambda p: (p.outflow.date, p.outflow.pk), reverse=True)
    return pairs
