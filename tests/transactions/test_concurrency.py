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
from finance.transactions.models import Transaction
from finance.transactions.selectors import balance_mismatches
from finance.transactions.services import create_transaction, delete_transaction
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
