"""Many writers on one account at once: the balance must equal opening + income - expense exactly.

Runs only on PostgreSQL: SQLite serializes writers anyway and select_for_update is a no-op there.
"""

import datetime
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections

from finance.accounts.models import Account
from finance.transactions import figures
from finance.transactions.models import Transaction
from finance.transactions.selectors import balance_mismatches
from finance.transactions.services import create_transaction, delete_transaction, update_transaction
from finance.transfers.models import Transfer
from finance.transfers.services import create_transfer, delete_transfer, update_transfer
from tests.factories import AccountFactory, CategoryFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 8
OPERATIONS_PER_WRITER = 25


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL); SQLite serializes writers itself")


def test_parallel_creates_and_deletes_keep_the_balance_exact():
    user = UserFactory()
    account = AccountFactory(user=user, opening_balance="1000.00")
    income = CategoryFactory(user=user, type="income")
    expense = CategoryFactory(user=user, type="expense")

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        try:
            for _ in range(OPERATIONS_PER_WRITER):
                if mine and rng.random() < 0.3:
                    delete_transaction(user=user, transaction_id=mine.pop(rng.randrange(len(mine))))
                    continue
                category = rng.choice([income, expense])
                tx = create_transaction(
                    user=user,
                    account_id=account.pk,
                    category_id=category.pk,
                    type=category.type,
                    amount=Decimal(rng.randint(1, 100_000)) / 100,
                    date=datetime.date(2026, 1, 1),
                )
                mine.append(tx.pk)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))

    rows = Transaction.objects.filter(account=account)
    income_total = sum((t.amount for t in rows if t.type == "income"), Decimal(0))
    expense_total = sum((t.amount for t in rows if t.type == "expense"), Decimal(0))
    assert rows.count() > 0
    assert Account.objects.get(pk=account.pk).balance == Decimal("1000.00") + income_total - expense_total
    assert not balance_mismatches().exists()


def test_opposite_transfers_and_transaction_writes_at_once_never_deadlock_or_lose_an_update():
    """Writers move money both ways between two accounts (each locks them in id order), edit and delete
    transactions and transfers on the same accounts: every call succeeds, and afterwards every balance
    equals opening + in - out and the pre-aggregated figures equal the rows."""
    user = UserFactory()
    first = AccountFactory(user=user, currency="USD", opening_balance="5000.00")
    second = AccountFactory(user=user, currency="USD", opening_balance="5000.00")
    euros = AccountFactory(user=user, currency="EUR", opening_balance="5000.00")
    accounts = [first, second, euros]
    expense = CategoryFactory(user=user, type="expense")
    failures: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        transfers, spent = [], []
        try:
            for _ in range(OPERATIONS_PER_WRITER):
                choice = rng.random()
                if choice < 0.45:
                    source, target = rng.sample(accounts, 2) if seed % 2 else rng.sample(accounts[::-1], 2)
                    to_amount = (
                        None if source.currency == target.currency else Decimal(rng.randint(1, 999)) / 100
                    )
                    transfers.append(
                        create_transfer(
                            user=user,
                            from_account_id=source.pk,
                            to_account_id=target.pk,
                            amount=Decimal(rng.randint(1, 999)) / 100,
                            to_amount=to_amount,
                            date=datetime.date(2026, 2, rng.randint(1, 28)),
                        ).pk
                    )
                elif choice < 0.6 and transfers:
                    update_transfer(
                        user=user,
                        transfer_id=rng.choice(transfers),
                        date=datetime.date(2026, 3, rng.randint(1, 28)),
                    )
                elif choice < 0.7 and transfers:
                    delete_transfer(user=user, transfer_id=transfers.pop(rng.randrange(len(transfers))))
                elif choice < 0.9 or not spent:
                    spent.append(
                        create_transaction(
                            user=user,
                            account_id=rng.choice(accounts).pk,
                            category_id=expense.pk,
                            type="expense",
                            amount=Decimal(rng.randint(1, 999)) / 100,
                            date=datetime.date(2026, 2, rng.randint(1, 28)),
                        ).pk
                    )
                else:
                    update_transaction(
                        user=user, transaction_id=rng.choice(spent), account_id=rng.choice(accounts).pk
                    )
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))

    assert failures == []
    assert Transfer.objects.count() > 0
    assert not balance_mismatches().exists()
    assert figures.mismatches() == []
