"""Random sequences of account and transaction writes through the services keep every balance exact.

After every step each balance equals opening + income - expense (summed by the database) and equals the
balance a plain Python model of the same steps expects - Decimal, no rounding. Refused steps (a JPY amount
with cents, a transaction of a deleted account) must change nothing.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from finance.accounts.models import Account
from finance.accounts.services import create_account, delete_account
from finance.core.errors import ApplicationError
from finance.transactions.models import Transaction
from finance.transactions.services import create_transaction, delete_transaction, update_transaction
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

CURRENCIES = {"USD": 2, "JPY": 0}
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
whole_amounts = st.integers(min_value=1, max_value=99999).map(Decimal)
any_amount = st.one_of(amounts, whole_amounts)
entry_types = st.sampled_from(["income", "expense"])
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


def places_ok(amount: Decimal, currency: str) -> bool:
    return -amount.normalize().as_tuple().exponent <= CURRENCIES[currency]


class Ledger(RuleBasedStateMachine):
    accounts = Bundle("accounts")
    transactions = Bundle("transactions")

    def __init__(self):
        super().__init__()
        self.user = UserFactory()
        self.categories = {kind: CategoryFactory(user=self.user, type=kind) for kind in ("income", "expense")}
        self.opening: dict[int, Decimal] = {}
        self.currency: dict[int, str] = {}
        self.entries: dict[int, tuple[int, str, Decimal]] = {}  # transaction id -> (account, type, amount)

    def expected_balance(self, account_id: int) -> Decimal:
        total = self.opening[account_id]
        for owner, kind, amount in self.entries.values():
            if owner == account_id:
                total += amount if kind == "income" else -amount
        return total

    @rule(
        target=accounts,
        currency=st.sampled_from(sorted(CURRENCIES)),
        opening=st.integers(min_value=-100000, max_value=100000),
    )
    def open_account(self, currency, opening):
        account = create_account(
            user=self.user, name="A", currency=currency, opening_balance=Decimal(opening)
        )
        self.opening[account.pk] = Decimal(opening)
        self.currency[account.pk] = currency
        return account.pk

    @rule(target=transactions, account_id=accounts, kind=entry_types, amount=any_amount, day=days)
    def record(self, account_id, kind, amount, day):
        allowed = account_id in self.opening and places_ok(amount, self.currency[account_id])
        try:
            tx = create_transaction(
                user=self.user,
                account_id=account_id,
                category_id=self.categories[kind].pk,
                type=kind,
                amount=amount,
                date=day,
            )
        except ApplicationError:
            assert not allowed, "a valid transaction was refused"
            return multiple()
        assert allowed, "an invalid transaction was accepted"
        self.entries[tx.pk] = (account_id, kind, amount)
        return tx.pk

    @rule(
        tx_id=transactions,
        account_id=st.one_of(st.none(), accounts),
        kind=st.one_of(st.none(), entry_types),
        amount=st.one_of(st.none(), any_amount),
    )
    def edit(self, tx_id, account_id, kind, amount):
        changes = {}
        if account_id is not None:
            changes["account_id"] = account_id
        if kind is not None:
            changes.update(type=kind, category_id=self.categories[kind].pk)
        if amount is not None:
            changes["amount"] = amount
        exists = tx_id in self.entries
        if exists:
            old_account, old_kind, old_amount = self.entries[tx_id]
            new_account = changes.get("account_id", old_account)
            new_amount = changes.get("amount", old_amount)
            allowed = new_account in self.opening and places_ok(new_amount, self.currency[new_account])
        else:
            allowed = False
        try:
            update_transaction(user=self.user, transaction_id=tx_id, **changes)
        except ApplicationError:
            assert not allowed, f"a valid edit was refused: {changes}"
            return
        assert allowed, f"an invalid edit was accepted: {changes}"
        self.entries[tx_id] = (new_account, changes.get("type", old_kind), new_amount)

    @rule(tx_id=consumes(transactions))
    def remove(self, tx_id):
        try:
            delete_transaction(user=self.user, transaction_id=tx_id)
        except ApplicationError:
            assert tx_id not in self.entries, "deleting an existing transaction was refused"
            return
        del self.entries[tx_id]

    @rule(account_id=consumes(accounts))
    def close_account(self, account_id):
        delete_account(user=self.user, account_id=account_id)
        del self.opening[account_id]
        self.entries = {tx: entry for tx, entry in self.entries.items() if entry[0] != account_id}

    @invariant()
    def balances_are_exact(self):
        rows = Account.objects.filter(user=self.user).annotate(
            income=Sum("transactions__amount", filter=Q(transactions__type="income"), default=Decimal(0)),
            expense=Sum("transactions__amount", filter=Q(transactions__type="expense"), default=Decimal(0)),
        )
        assert {row.pk for row in rows} == set(self.opening)
        for row in rows:
            assert row.balance == row.opening_balance + row.income - row.expense
            assert row.balance == self.expected_balance(row.pk)
        assert set(Transaction.objects.filter(user=self.user).values_list("pk", flat=True)) == set(
            self.entries
        )


def test_random_writes_keep_every_balance_exact():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
