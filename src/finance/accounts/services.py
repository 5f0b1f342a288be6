"""Accounts: the opening balance is set once; afterwards only transactions move the balance."""

from decimal import Decimal

from django.db import transaction

from finance.accounts.models import Account
from finance.accounts.selectors import accounts_for
from finance.core.events import emit
from finance.core.exceptions import Conflict, NotFound
from finance.core.money import check_places
from finance.reports import cache as report_cache
from finance.users.models import User


def get_account(*, user: User, account_id: int, for_update: bool = False) -> Account:
    queryset = accounts_for(user)
    if for_update:
        queryset = queryset.select_for_update()
    account = queryset.filter(pk=account_id).first()
    if account is None:
        raise NotFound("No such account.")
    return account


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
    changed = []
    if name is not None and name != account.name:
        account.name = name
        changed.append("name")
    if currency is not None and currency != account.currency:
        if account.transactions.exists():
            raise Conflict(
                "The currency of an account with transactions cannot change; open a new account instead.",
                errors={"currency": ["Locked by existing transactions."]},
            )
        check_places(account.opening_balance, currency, "currency")
        account.currency = currency
        changed.append("currency")
    if changed:
        account.save(update_fields=changed)
        if "currency" in changed:
            report_cache.invalidate(user.pk)
        emit("account.updated", account_id=account.pk, user_id=user.pk, fields=changed)
    return account


@transaction.atomic
def delete_account(*, user: User, account_id: int) -> None:
    account = get_account(user=user, account_id=account_id, for_update=True)
    removed = account.transactions.count()
    account.delete()
    report_cache.invalidate(user.pk)
    emit("account.deleted", account_id=account_id, user_id=user.pk, transactions_deleted=removed)
