"""Transfers between two of one user's accounts: both legs and both balances change in one database
transaction, with the accounts locked in id order, so opposite transfers running at once never deadlock.

Between accounts of one currency the same amount leaves and arrives. Between currencies the amount that
arrives (`to_amount`) is given by the caller - never a silent rate of 1.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from finance.accounts.models import Account
from finance.accounts.selectors import accounts_for_update
from finance.accounts.services import move_balance
from finance.core import figure_cache
from finance.core.db.shortcuts import get_owned_or_404
from finance.core.errors import Conflict, ValidationFailed
from finance.core.money import check_places, format_money
from finance.core.observability import metrics
from finance.core.observability.events import emit
from finance.transactions.models import Transaction
from finance.transactions.services import insert_transaction
from finance.transfers.models import RejectedPair, Transfer
from finance.transfers.selectors import transfers_for, with_legs
from finance.users.models import User


def get_transfer(*, user: User, transfer_id: int) -> Transfer:
    return with_legs([get_owned_or_404(transfers_for(user), transfer_id, noun="transfer")])[0]


def _arriving(currency: str, to_currency: str, amount: Decimal, to_amount: Decimal | None) -> Decimal:
    """The amount that arrives on the other account."""
    if currency == to_currency:
        if to_amount is not None and to_amount != amount:
            raise ValidationFailed(
                {"to_amount": ["Between accounts of one currency it equals amount; leave it out."]}
            )
        return amount
    if to_amount is None:
        raise ValidationFailed(
            {"to_amount": [f"Required from {currency} to {to_currency}: the amount that arrives."]}
        )
    return to_amount


def _emit(event: str, transfer: Transfer) -> None:
    emit(
        event,
        transfer_id=transfer.pk,
        user_id=transfer.user_id,
        currency=transfer.currency,
        to_currency=transfer.to_currency,
        amount=format_money(transfer.amount, transfer.currency),
        metric=metrics.TRANSFERS.labels(action=event.split(".")[1]).inc,
    )


# Hot path, plain SQL on PostgreSQL (docs/adr/0002-hot-path-sql.md): building the INSERT with the ORM cost
# a tenth of POST /transfers' CPU. Other databases run the ORM's create(); tests/transfers/test_hot_sql.py
# checks on PostgreSQL that both write the same row.
TRANSFER_COLUMNS = (
    "id",
    "user_id",
    "from_account_id",
    "to_account_id",
    "amount",
    "currency",
    "to_amount",
    "to_currency",
    "date",
    "description",
    "from_category_id",
    "to_category_id",
    "created_at",
)
INSERT_SQL = """
    INSERT INTO transfers_transfer
        (user_id, from_account_id, to_account_id, amount, currency, to_amount, to_currency, date, description,
         from_category_id, to_category_id, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    RETURNING id
"""


def _insert(**fields: Any) -> Transfer:
    """Write one transfer row with the given fields (TRANSFER_COLUMNS but id and created_at; the kept
    categories default to none)."""
    fields = {"from_category_id": None, "to_category_id": None, **fields}
    if connection.vendor != "postgresql":
        return Transfer.objects.create(**fields)
    values = [fields[name] for name in TRANSFER_COLUMNS[1:-1]]
    created_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, [*values, created_at])
        (new_id,) = cursor.fetchone()
    return Transfer.from_db(connection.alias, TRANSFER_COLUMNS, (new_id, *values, created_at))


@transaction.atomic
def create_transfer(
    *,
    user: User,
    from_account_id: int,
    to_account_id: int,
    amount: Decimal,
    date: date,
    to_amount: Decimal | None = None,
    description: str = "",
) -> Transfer:
    if from_account_id == to_account_id:
        raise ValidationFailed({"to_account": ["Must be another account than from_account."]})
    accounts = accounts_for_update(user_id=user.pk, account_ids={from_account_id, to_account_id})
    missing = {
        name: ["No such account."]
        for name, account_id in (("from_account", from_account_id), ("to_account", to_account_id))
        if account_id not in accounts
    }
    if missing:
        raise ValidationFailed(missing)
    source, target = accounts[from_account_id], accounts[to_account_id]
    arriving = _arriving(source.currency, target.currency, amount, to_amount)
    check_places(amount, source.currency, "amount")
    check_places(arriving, target.currency, "to_amount")
    transfer = _insert(
        user_id=user.pk,
        from_account_id=source.pk,
        to_account_id=target.pk,
        amount=amount,
        currency=source.currency,
        to_amount=arriving,
        to_currency=target.currency,
        date=date,
        description=description,
    )
    legs = {}
    for account, direction, leg_amount in ((source, "out", amount), (target, "in", arriving)):
        legs[direction] = insert_transaction(
            user=user,
            account=account,
            type=Transaction.Type.TRANSFER,
            direction=direction,
            amount=leg_amount,
            date=date,
            description=description,
            transfer_id=transfer.pk,
        )
    move_balance(source, -amount)
    move_balance(target, arriving)
    transfer.from_transaction_id, transfer.to_transaction_id = legs["out"].pk, legs["in"].pk
    figure_cache.invalidate(user.pk)
    _emit("transfer.created", transfer)
    return transfer


class _Moved(Exception):
    """An account of the transfer was deleted between reading the transfer and locking its accounts."""


def _lock_transfer(
    user: User, transfer_id: int
) -> tuple[Transfer, dict[int, Account], dict[str, Transaction]]:
    """The transfer, its accounts and its legs, locked in the order every writer uses: accounts (in id
    order), then the rows that hang off them."""
    for _attempt in range(3):
        found = get_owned_or_404(transfers_for(user), transfer_id, noun="transfer")
        account_ids = [i for i in (found.from_account_id, found.to_account_id) if i is not None]
        try:
            with transaction.atomic():
                accounts = accounts_for_update(user_id=user.pk, account_ids=account_ids)
                transfer = transfers_for(user).select_for_update().filter(pk=transfer_id).first()
                if transfer is None:
                    raise _Moved
                if [
                    i for i in (transfer.from_account_id, transfer.to_account_id) if i is not None
                ] != account_ids:
                    raise _Moved
                legs = {
                    leg.direction: leg
                    for leg in Transaction.objects.select_for_update().filter(transfer=transfer)
                }
                return transfer, accounts, legs
        except _Moved:
            continue
    raise Conflict("The transfer is being changed by another request; retry.")


@transaction.atomic
def update_transfer(
    *,
    user: User,
    transfer_id: int,
    date: date | None = None,
    amount: Decimal | None = None,
    to_amount: Decimal | None = None,
    description: str | None = None,
) -> Transfer:
    """Change the given fields (None: keep); both legs and both balances move together."""
    transfer, accounts, legs = _lock_transfer(user, transfer_id)
    if (amount is not None or to_amount is not None) and len(legs) < 2:
        raise Conflict(
            "One account of this transfer was deleted, so its amounts can no longer change; delete it instead.",
            errors={"amount": ["An account of this transfer was deleted."]},
        )
    new_amount = amount if amount is not None else transfer.amount
    if transfer.currency == transfer.to_currency:
        new_to_amount = _arriving(transfer.currency, transfer.to_currency, new_amount, to_amount)
    else:
        new_to_amount = to_amount if to_amount is not None else transfer.to_amount
    check_places(new_amount, transfer.currency, "amount")
    check_places(new_to_amount, transfer.to_currency, "to_amount")

    moves = {"out": (transfer.amount, new_amount, -1), "in": (transfer.to_amount, new_to_amount, 1)}
    for direction, leg in legs.items():
        old, new, sign = moves[direction]
        if new != old:
            move_balance(accounts[leg.account_id], sign * (new - old))
        leg.amount = new
        leg.date = date if date is not None else leg.date
        leg.description = description if description is not None else leg.description
        leg.save(update_fields=["amount", "date", "description"])
    transfer.amount, transfer.to_amount = new_amount, new_to_amount
    transfer.date = date if date is not None else transfer.date
    transfer.description = description if description is not None else transfer.description
    transfer.save(update_fields=["amount", "to_amount", "date", "description"])
    figure_cache.invalidate(user.pk)
    _emit("transfer.updated", transfer)
    return with_legs([transfer])[0]


@transaction.atomic
def delete_transfer(*, user: User, transfer_id: int) -> None:
    """Remove both legs (each restores its account's balance) and the transfer."""
    transfer, accounts, legs = _lock_transfer(user, transfer_id)
    for leg in legs.values():
        move_balance(accounts[leg.account_id], -leg.amount if leg.direction == "in" else leg.amount)
    Transaction.objects.filter(transfer=transfer).delete()
    transfer.delete()
    transfer.pk = transfer_id
    figure_cache.invalidate(user.pk)
    _emit("transfer.deleted", transfer)


# --- transfers made from an expense and an income already recorded (bank statement imports) -------------
def _lock_pair(
    user: User, outflow_id: int, inflow_id: int
) -> tuple[dict[int, Account], Transaction, Transaction]:
    """The two transactions and their accounts, locked in the order every writer uses (accounts in id
    order, then the rows), retried if one moved to another account between the read and the locks."""
    if outflow_id == inflow_id:
        raise ValidationFailed({"inflow": ["Must be another transaction than outflow."]})
    for _attempt in range(3):
        found = dict(
            Transaction.objects.filter(user=user, pk__in=[outflow_id, inflow_id]).values_list(
                "pk", "account_id"
            )
        )
        missing = {
            name: ["No such transaction."]
            for name, pk in (("outflow", outflow_id), ("inflow", inflow_id))
            if pk not in found
        }
        if missing:
            raise ValidationFailed(missing)
        try:
            with transaction.atomic():
                accounts = accounts_for_update(user_id=user.pk, account_ids=set(found.values()))
                rows = {
                    tx.pk: tx
                    for tx in Transaction.objects.select_for_update().filter(user=user, pk__in=list(found))
                }
                if {pk: tx.account_id for pk, tx in rows.items()} != found:
                    raise _Moved
                return accounts, rows[outflow_id], rows[inflow_id]
        except _Moved:
            continue
    raise Conflict("The transactions are being changed by another request; retry.")


@transaction.atomic
def match_transfer(*, user: User, outflow_id: int, inflow_id: int) -> Transfer:
    """Make an expense on one account and an income on another one transfer: the two transactions become
    its legs (no balance moves: the money already moved) and their categories are kept on the transfer."""
    accounts, outflow, inflow = _lock_pair(user, outflow_id, inflow_id)
    errors = {}
    for name, tx, wanted in (("outflow", outflow, "expense"), ("inflow", inflow, "income")):
        if tx.transfer_id is not None:
            errors[name] = [f"Already a leg of transfer {tx.transfer_id}."]
        elif tx.type != wanted:
            errors[name] = [
                f"Must be an {wanted}; this is {tx.type}."
                if wanted == "income"
                else f"Must be an expense; this is {tx.type}."
            ]
    if not errors and outflow.account_id == inflow.account_id:
        errors["inflow"] = ["Must be on another account than outflow."]
    source, target = accounts[outflow.account_id], accounts[inflow.account_id]
    if not errors and source.currency == target.currency and outflow.amount != inflow.amount:
        errors["inflow"] = [
            f"Between accounts of one currency the amounts must be equal "
            f"({format_money(outflow.amount, source.currency)} and {format_money(inflow.amount, target.currency)})."
        ]
    if errors:
        raise ValidationFailed(errors)
    transfer = _insert(
        user_id=user.pk,
        from_account_id=source.pk,
        to_account_id=target.pk,
        amount=outflow.amount,
        currency=source.currency,
        to_amount=inflow.amount,
        to_currency=target.currency,
        date=outflow.date,
        description=outflow.description,
        from_category_id=outflow.category_id,
        to_category_id=inflow.category_id,
    )
    # One UPDATE per leg: the figures trigger moves their amounts from income/expense to transfers.
    for tx in (outflow, inflow):
        Transaction.objects.filter(pk=tx.pk).update(
            type=Transaction.Type.TRANSFER, category=None, transfer=transfer
        )
    transfer.from_transaction_id, transfer.to_transaction_id = outflow.pk, inflow.pk
    figure_cache.invalidate(user.pk)
    _emit("transfer.matched", transfer)
    return transfer


@transaction.atomic
def unlink_transfer(*, user: User, transfer_id: int) -> dict[str, Transaction]:
    """Undo a match: the legs become the expense and the income they were, with their categories back, and
    the transfer goes. No balance moves. {"out": ..., "in": ...}, without the leg of a deleted account."""
    transfer, accounts, legs = _lock_transfer(user, transfer_id)
    if transfer.from_category_id is None or transfer.to_category_id is None:
        raise Conflict(
            "Only a transfer made by matching two transactions (POST /transfers/match) can be unlinked; "
            f"delete this one instead (DELETE /transfers/{transfer_id}).",
            errors={"transfer": ["Not made by a match."]},
        )
    kinds = {
        Transaction.Direction.OUT: (Transaction.Type.EXPENSE, transfer.from_category_id),
        Transaction.Direction.IN: (Transaction.Type.INCOME, transfer.to_category_id),
    }
    for leg in legs.values():
        leg.type, leg.category_id = kinds[Transaction.Direction(leg.direction)]
        leg.transfer_id = None
        leg.save(update_fields=["type", "category", "transfer"])
        leg.currency = accounts[leg.account_id].currency
    transfer.delete()
    transfer.pk = transfer_id
    figure_cache.invalidate(user.pk)
    _emit("transfer.unlinked", transfer)
    return legs


def reject_pair(*, user: User, outflow_id: int, inflow_id: int) -> None:
    """Never suggest this expense and income as one transfer again."""
    found = set(
        Transaction.objects.filter(user=user, pk__in=[outflow_id, inflow_id]).values_list("pk", flat=True)
    )
    missing = {
        name: ["No such transaction."]
        for name, pk in (("outflow", outflow_id), ("inflow", inflow_id))
        if pk not in found
    }
    if missing:
        raise ValidationFailed(missing)
    _, created = RejectedPair.objects.get_or_create(user=user, outflow_id=outflow_id, inflow_id=inflow_id)
    if created:
        emit(
            "transfer.suggestion_rejected",
            user_id=user.pk,
            metric=metrics.TRANSFERS.labels(action="rejected").inc,
        )
