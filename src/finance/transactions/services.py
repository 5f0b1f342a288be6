"""Transactions and the balances they move.

Every write locks the affected account rows (in id order, so two writers never wait on each other in a
cycle) and writes the new balance computed from the locked value, inside one database transaction. The
pre-aggregated figures follow the rows in the same transaction (a trigger on PostgreSQL, ADR 0007).
Transfer legs are transactions too, but they are written and changed only through finance.transfers.
"""

from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from finance.accounts.models import Account
from finance.accounts.selectors import accounts_for_update
from finance.accounts.services import move_balance
from finance.categories.models import Category
from finance.categories.selectors import category_for_update
from finance.core import figure_cache
from finance.core.errors import Conflict, NotFound, ValidationFailed
from finance.core.money import check_places, format_money
from finance.core.observability import metrics
from finance.core.observability.events import emit
from finance.transactions.models import Transaction
from finance.transactions.selectors import TRANSACTION_COLUMNS
from finance.users.models import User

# Income moves money into its account and an expense out of it.
_DIRECTIONS = {
    Transaction.Type.INCOME: Transaction.Direction.IN,
    Transaction.Type.EXPENSE: Transaction.Direction.OUT,
}


def signed(direction: str, amount: Decimal) -> Decimal:
    """A transaction's effect on its account's balance."""
    return amount if direction == Transaction.Direction.IN else -amount


def _lock_account(user: User, account_id: int, *others: int) -> dict[int, Account]:
    locked = accounts_for_update(user_id=user.pk, account_ids={account_id, *others})
    if any(wanted not in locked for wanted in (account_id, *others)):
        raise ValidationFailed({"account": ["No such account."]})
    return locked


def _check_category(user: User, category_id: int, type: str) -> Category:
    """The user's category, locked, whose type the transaction's must equal."""
    if type not in _DIRECTIONS:
        raise ValidationFailed(
            {"type": ["Must be income or expense; transfers are made through /transfers."]}
        )
    category = category_for_update(user_id=user.pk, category_id=category_id)
    if category is None:
        raise ValidationFailed({"category": ["No such category."]})
    if category.type != type:
        raise ValidationFailed({"type": [f"Must match the category's type ({category.type})."]})
    return category


_COUNTERS = {
    "transaction.created": metrics.TRANSACTIONS_CREATED,
    "transaction.deleted": metrics.TRANSACTIONS_DELETED,
}


def _emit(event: str, tx: Transaction, currency: str) -> None:
    counter = _COUNTERS.get(event)
    emit(
        event,
        transaction_id=tx.pk,
        user_id=tx.user_id,
        type=tx.type,
        currency=currency,
        amount=format_money(tx.amount, currency),
        metric=counter.labels(type=tx.type).inc if counter is not None else None,
    )


# Hot path, plain SQL on PostgreSQL (docs/adr/0002-hot-path-sql.md): the busiest write of the API. Building
# the INSERT with the ORM cost a tenth of the request's CPU. Other databases run the ORM's create();
# tests/transactions/test_hot_sql.py checks on PostgreSQL that both write the same row.
INSERT_SQL = """
    INSERT INTO transactions_transaction
        (user_id, account_id, category_id, type, direction, transfer_id, amount, description, date,
         source_import_id, external_id, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    RETURNING id
"""


def insert_transaction(
    *,
    user: User,
    account: Account,
    type: str,
    direction: str,
    amount: Decimal,
    date: date,
    description: str,
    category: Category | None = None,
    transfer_id: int | None = None,
) -> Transaction:
    """Write one row, nothing else: the caller holds the account's lock and moves its balance."""
    fields = {
        "user_id": user.pk,
        "account_id": account.pk,
        "category_id": category.pk if category is not None else None,
        "type": type,
        "direction": direction,
        "transfer_id": transfer_id,
        "amount": amount,
        "description": description,
        "date": date,
        "source_import_id": None,
        "external_id": "",
    }
    if connection.vendor != "postgresql":
        tx = Transaction.objects.create(**fields)
    else:
        created_at = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(INSERT_SQL, [*fields.values(), created_at])
            (new_id,) = cursor.fetchone()
        tx = Transaction.from_db(
            connection.alias, TRANSACTION_COLUMNS, (new_id, *fields.values(), created_at)
        )
    tx.currency = account.currency
    return tx


@transaction.atomic
def create_transaction(
    *,
    user: User,
    account_id: int,
    category_id: int,
    type: str,
    amount: Decimal,
    date: date,
    description: str = "",
) -> Transaction:
    account = _lock_account(user, account_id)[account_id]
    category = _check_category(user, category_id, type)
    check_places(amount, account.currency, "amount")
    direction = _DIRECTIONS[Transaction.Type(type)]
    tx = insert_transaction(
        user=user,
        account=account,
        category=category,
        type=type,
        direction=direction,
        amount=amount,
        date=date,
        description=description,
    )
    move_balance(account, signed(direction, amount))
    figure_cache.invalidate(user.pk)
    _emit("transaction.created", tx, account.currency)
    return tx


class _Moved(Exception):
    """The transaction moved to another account between reading its account and locking it."""


def _refuse_transfer_leg(transfer_id: int | None) -> None:
    if transfer_id is not None:
        raise Conflict(
            f"This transaction is a leg of transfer {transfer_id}: change or delete it through "
            f"/transfers/{transfer_id}, which moves both legs together.",
            errors={"transfer": [f"Leg of transfer {transfer_id}."]},
        )


def _lock_transaction(
    user: User, transaction_id: int, *other_account_ids: int
) -> tuple[Transaction, dict[int, Account]]:
    """Lock the accounts first and the transaction second - the order every writer uses, so deleting an
    account (which locks it, then its transactions) never deadlocks with an edit of one of them.

    Each attempt runs in a savepoint: if the transaction moved meanwhile, rolling the savepoint back drops
    the locks taken, so the retry never holds the transaction row (or a higher account) while it waits
    for an account - the out-of-order wait that deadlocked concurrent moves, edits and deletes."""
    for _attempt in range(3):
        found = (
            Transaction.objects.filter(user=user, pk=transaction_id)
            .values_list("account_id", "transfer_id")
            .first()
        )
        if found is None:
            raise NotFound("No such transaction.")
        account_id, transfer_id = found
        _refuse_transfer_leg(transfer_id)
        try:
            with transaction.atomic():
                accounts = _lock_account(user, account_id, *other_account_ids)
                tx = Transaction.objects.select_for_update().filter(user=user, pk=transaction_id).first()
                if tx is None:
                    raise NotFound("No such transaction.")
                if tx.account_id != account_id:
                    raise _Moved
                return tx, accounts
        except _Moved:
            continue
    raise Conflict("The transaction is being changed by another request; retry.")


@transaction.atomic
def update_transaction(
    *,
    user: User,
    transaction_id: int,
    account_id: int | None = None,
    category_id: int | None = None,
    type: str | None = None,
    amount: Decimal | None = None,
    date: date | None = None,
    description: str | None = None,
) -> Transaction:
    """Change the given fields (None: keep); the old effect on the balance is reverted, the new applied."""
    moving_to = [account_id] if account_id is not None else []
    tx, accounts = _lock_transaction(user, transaction_id, *moving_to)
    new_account = accounts[account_id if account_id is not None else tx.account_id]
    new_type = type if type is not None else tx.type
    new_amount = amount if amount is not None else tx.amount
    new_category_id = category_id if category_id is not None else tx.category_id
    if type is not None or category_id is not None:
        _check_category(user, new_category_id or 0, new_type)
    check_places(new_amount, new_account.currency, "amount")
    new_direction = _DIRECTIONS[Transaction.Type(new_type)]

    move_balance(accounts[tx.account_id], -signed(tx.direction, tx.amount))
    move_balance(new_account, signed(new_direction, new_amount))
    tx.account_id, tx.category_id = new_account.pk, new_category_id
    tx.type, tx.direction, tx.amount = new_type, new_direction, new_amount
    tx.date = date if date is not None else tx.date
    tx.description = description if description is not None else tx.description
    tx.save(update_fields=["account", "category", "type", "direction", "amount", "date", "description"])
    figure_cache.invalidate(user.pk)
    _emit("transaction.updated", tx, new_account.currency)
    tx.currency = new_account.currency
    return tx


@transaction.atomic
def delete_transaction(*, user: User, transaction_id: int) -> None:
    tx, accounts = _lock_transaction(user, transaction_id)
    account = accounts[tx.account_id]
    move_balance(account, -signed(tx.direction, tx.amount))
    tx.delete()
    tx.pk = transaction_id
    figure_cache.invalidate(user.pk)
    _emit("transaction.deleted", tx, account.currency)
