"""On PostgreSQL the reports read the pre-aggregated figures with plain SQL; elsewhere they compute the same
from the rows with the ORM. For random ledgers - income, expenses, transfers between currencies, edits,
deletions, a deleted account - both give the same reports for every period, account and interval, and the
figures equal what the rows give."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection

from finance.accounts.models import Account
from finance.accounts.services import delete_account
from finance.reports import selectors
from finance.transactions import figures
from finance.transactions.models import Transaction
from finance.transactions.services import delete_transaction, update_transaction
from finance.transfers.services import create_transfer, delete_transfer, update_transfer
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = datetime.date(2024, 11, 20)
DAYS = 500


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the figures are kept on PostgreSQL; elsewhere the reports read the rows only")


def both(monkeypatch, report, *args, **kwargs):
    """(the report from the figures, the same report from the rows)."""
    from_figures = report(*args, **kwargs)
    with monkeypatch.context() as patched:
        patched.setattr(figures, "kept", lambda: False)
        from_rows = report(*args, **kwargs)
    return from_figures, from_rows


def random_ledger(user, seed: int) -> list[Account]:
    rng = random.Random(seed)
    accounts = [
        AccountFactory(user=user, currency="USD", opening_balance="100.00"),
        AccountFactory(user=user, currency="USD", opening_balance="0"),
        AccountFactory(user=user, currency="EUR", opening_balance="50.00"),
        AccountFactory(user=user, currency="JPY", opening_balance="1000"),
    ]
    categories = [
        CategoryFactory(user=user, type=kind) for kind in ("income", "expense", "expense", "income")
    ]
    places = {"USD": 2, "EUR": 2, "JPY": 0}

    def amount(account: Account) -> Decimal:
        return Decimal(rng.randint(1, 50000)).scaleb(-places[account.currency])

    def day() -> datetime.date:
        return START + datetime.timedelta(days=rng.randrange(DAYS))

    made, transfers = [], []
    for _ in range(160):
        account, category = rng.choice(accounts), rng.choice(categories)
        made.append(make_transaction(account, category, str(amount(account)), date=day()))
    for _ in range(30):
        source, target = rng.sample(accounts, 2)
        to_amount = amount(target) if source.currency != target.currency else None
        transfers.append(
            create_transfer(
                user=user,
                from_account_id=source.pk,
                to_account_id=target.pk,
                amount=amount(source),
                to_amount=to_amount,
                date=day(),
            )
        )
    for tx in rng.sample(made, 20):
        update_transaction(user=user, transaction_id=tx.pk, amount=amount(tx.account), date=day())
    for tx in rng.sample(made, 10):
        update_transaction(user=user, transaction_id=tx.pk, account_id=rng.choice(accounts[:2]).pk)
    for tx in rng.sample(made, 15):
        if Transaction.objects.filter(pk=tx.pk).exists():
            delete_transaction(user=user, transaction_id=tx.pk)
    for transfer in transfers[:5]:
        update_transfer(user=user, transfer_id=transfer.pk, date=day())
    for transfer in transfers[5:8]:
        delete_transfer(user=user, transfer_id=transfer.pk)
    gone = AccountFactory(user=user, currency="USD", opening_balance="0")
    create_transfer(
        user=user, from_account_id=gone.pk, to_account_id=accounts[0].pk, amount=Decimal("7.00"), date=day()
    )
    make_transaction(gone, categories[1], "3.00", date=day())
    delete_account(user=user, account_id=gone.pk)
    return accounts


def periods(rng: random.Random) -> list[tuple[datetime.date, datetime.date]]:
    found = [
        (START, START + datetime.timedelta(days=DAYS)),  # everything
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),  # whole months only
        (datetime.date(2025, 3, 5), datetime.date(2025, 3, 20)),  # inside one month
        (datetime.date(2025, 2, 28), datetime.date(2025, 3, 1)),  # two days across months
        (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)),  # before any transaction
    ]
    for _ in range(6):
        first = START + datetime.timedelta(days=rng.randrange(DAYS))
        found.append((first, first + datetime.timedelta(days=rng.randrange(1, 400))))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reports_from_the_figures_equal_the_reports_from_the_rows(user, other_user, monkeypatch, seed):
    accounts = random_ledger(user, seed)
    random_ledger(other_user, seed + 100)  # another user's figures never leak in
    assert figures.mismatches() == []
    rng = random.Random(seed)
    categories = list(user.categories.values_list("pk", flat=True))
    for date_from, date_to in periods(rng):
        span = {"date_from": date_from, "date_to": date_to}
        for account_id in (None, *(a.pk for a in accounts)):
            for report in (selectors.summary_rows, selectors.by_category_rows):
                sql, orm = both(monkeypatch, report, user.pk, date_from, date_to, account_id)
                assert sql == orm, (report.__name__, span, account_id)
        for interval in ("week", "month"):
            for category_id in (None, rng.choice(categories)):
                sql, orm = both(
                    monkeypatch,
                    selectors.trends,
                    user_id=user.pk,
                    interval=interval,
                    category_id=category_id,
                    **span,
                )
                assert sql == orm, ("trends", span, interval, category_id)
        if (date_to - date_from).days < 1000:
            for interval in ("day", "week", "month"):
                for account in accounts:
                    sql, orm = both(
                        monkeypatch, selectors.account_balances, account=account, interval=interval, **span
                    )
                    assert sql == orm, ("balances", span, interval, account.pk)
                sql, orm = both(monkeypatch, selectors.net_worth, user_id=user.pk, interval=interval, **span)
                assert sql == orm, ("net worth", span, interval)


def test_every_account_reconciles_with_its_whole_history(user, monkeypatch):
    """opening + income - expense + transfers in - out over all time == the balance, from either source."""
    accounts = random_ledger(user, 7)
    for account in accounts:
        account.refresh_from_db()
        everything = (user.pk, datetime.date(2000, 1, 1), datetime.date(2100, 1, 1), account.pk)
        for source in both(monkeypatch, selectors.summary_rows, *everything):
            [(_, income, expense, transfers_in, transfers_out)] = source
            assert (
                account.opening_balance + income - expense + transfers_in - transfers_out == account.balance
            )
