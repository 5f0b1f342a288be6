"""Accounts: the opening balance is set once; afterwards only transactions move the balance."""

from decimal import Decimal

from django.db import connection, transaction

from finance.accounts.models import Account
from finance.accounts.selectors import accounts_for
from finance.core import figure_cache
from finance.core.db.shortcuts import get_owned_or_404, set_changed_fields
from finance.core.errors import Conflict
from finance.core.money import MAX_BALANCE, check_places
from finance.core.observability.events import emit
from finance.users.models import User


def get_account(*, user: User, account_id: int, for_update: bool = False) -> Account:
    queryset = accounts_for(user)
    if for_update:
        queryset = queryset.select_for_update()
    return get_owned_or_404(queryset, account_id, noun="account")


@transaction.atomic
def create_account(*, user: User, name: str, currency: str, opening_balance: Decimal = Decimal(0)) -> Account:
    check_places(opening_balance, currency, "opening_balance")
    account = Account.objects.create(
        user=user, name=name, currency=currency, opening_balance=opening_balance, balance=opening_balance
    )
    emit("account.created", account_id=account.pk, user_id=user.pk, currency=currency)
    return account


@transaction.atomic
def update_account(
    *, user: User, account_id: int, name: str | None = None, currency: str | None = None
) -> Account:
    account = get_account(user=user, account_id=account_id, for_update=True)
    if currency is not None and currency != account.currency:
        if account.transactions.exists():
            raise Conflict(
                "The currency of an account with transactions cannot change; open a new account instead.",
                errors={"currency": ["Locked by existing transactions."]},
            )
        check_places(account.opening_balance, currency, "currency")
    changed = set_changed_fields(account, {"name": name, "currency": currency})
    if changed:
        account.save(update_fields=changed)
        if "currency" in changed:
            figure_cache.invalidate(user.pk)
        emit("account.updated", account_id=account.pk, user_id=user.pk, fields=changed)
    return account


@transaction.atomic
def delete_account(*, user: User, account_id: int) -> None:
    account = get_account(user=user, account_id=account_id, for_update=True)
    removed = account.transactions.count()
    account.delete()
    figure_cache.invalidate(user.pk)
    emit("account.deleted", account_id=account_id, user_id=user.pk, transactions_deleted=removed)


# Hot path, plain SQL (docs/adr/0002-hot-path-sql.md): every transaction write moves one or two balances.
# tests/accounts/test_hot_sql.py checks it writes what `Account.objects.filter(pk=...).update(balance=...)`
# writes.
SET_BALANCE_SQL = "UPDATE accounts_account SET balance = %s WHERE id = %s"


def move_balance(account: Account, delta: Decimal) -> None:
    """Add `delta` to the balance of an account the caller has locked (accounts_for_update).

    A balance the column cannot hold is refused with a 409 before anything is written, instead of the
    database's numeric overflow."""
    # The row is locked, so the value read is current; a Decimal parameter keeps SQLite exact too.
    balance = account.balance + delta
    if abs(balance) > MAX_BALANCE:
        limit = f"{int(MAX_BALANCE):,}"
        raise Conflict(
            f"This would take the balance of account {account.pk} beyond +/-{limit} {account.currency}, the most "
            "an account can hold.",
            errors={"amount": [f"The account's balance would leave the range of +/-{limit}."]},
        )
    account.balance = balance
    with connection.cursor() as cursor:
        cursor.execute(SET_BALANCE_SQL, [account.balance, account.pk])
