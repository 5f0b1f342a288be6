"""manage.py seed_demo: realistic demo data that keeps the balance invariant and is reproducible."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection

from finance.accounts.models import Account
from finance.categories.models import Category
from finance.core.money import minor_units
from finance.demo import seeding
from finance.transactions import figures
from finance.transactions.models import Transaction
from finance.transactions.selectors import balance_mismatches
from finance.transfers.models import Transfer
from finance.users.models import User
from load import target

pytestmark = pytest.mark.django_db


def seed(*extra: str, seed: int = 7) -> str:
    out = StringIO()
    call_command(
        "seed_demo",
        "--users=4",
        "--transactions=1500",
        f"--seed={seed}",
        "--years=3",
        "--until=2026-06-30",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def snapshot() -> list[tuple]:
    """Everything seeded, without database ids (they depend on sequences, not on the seed)."""
    accounts = sorted(
        (a.user.email, a.name, a.currency, a.opening_balance, a.balance)
        for a in Account.objects.select_related("user")
    )
    rows = sorted(
        (
            t.user.email,
            t.account.name,
            t.category.name if t.category else "",
            t.type,
            t.direction,
            t.amount,
            t.date,
            t.created_at,
            t.description,
        )
        for t in Transaction.objects.select_related("user", "account", "category")
    )
    return [*accounts, *rows]


def assert_balances_match() -> None:
    """balance == opening + income - expense + transfers in - out, summed exactly in Python (SQLite sums
    floats), and on PostgreSQL the pre-aggregated figures equal the rows."""
    expected = {a.pk: a.opening_balance for a in Account.objects.all()}
    for account_id, direction, amount in Transaction.objects.values_list("account_id", "direction", "amount"):
        expected[account_id] += amount if direction == "in" else -amount
    assert {a.pk: a.balance for a in Account.objects.all()} == expected
    if connection.vendor == "postgresql":
        assert not list(balance_mismatches())  # the operator's check agrees
        assert figures.mismatches() == []


def test_it_seeds_users_accounts_categories_and_transactions_that_keep_the_balance_invariant():
    output = seed()
    assert "1500 transactions" in output
    assert seeding.DEMO_PASSWORD in output
    assert User.objects.count() == 4
    assert Transaction.objects.count() == 1500
    assert_balances_match()
    # Realistic shape: several currencies, both kinds of category, history over years.
    assert Account.objects.values("currency").distinct().count() >= 2
    assert set(Category.objects.values_list("type", flat=True)) == {"income", "expense"}
    dates = Transaction.objects.order_by("date").values_list("date", flat=True)
    assert (dates.last() - dates.first()).days > 2 * 365
    assert dates.last().isoformat() <= "2026-06-30"


def test_seeded_rows_follow_the_domain_rules():
    seed()
    assert Transfer.objects.count() > 0
    for transfer in Transfer.objects.all():
        legs = {leg.direction: leg for leg in transfer.legs.all()}
        assert set(legs) == {"in", "out"}
        assert (legs["out"].account_id, legs["out"].amount) == (transfer.from_account_id, transfer.amount)
        assert (legs["in"].account_id, legs["in"].amount) == (transfer.to_account_id, transfer.to_amount)
        assert transfer.from_account.currency == transfer.currency
        assert transfer.to_account.currency == transfer.to_currency
        if transfer.currency == transfer.to_currency:
            assert transfer.amount == transfer.to_amount
    for tx in Transaction.objects.select_related("account", "category"):
        if tx.type == "transfer":
            assert tx.category is None
            assert tx.transfer_id is not None
        else:
            assert tx.type == tx.category.type
            assert tx.account.user_id == tx.user_id == tx.category.user_id
            assert tx.direction == ("in" if tx.type == "income" else "out")
        assert tx.account.user_id == tx.user_id
        assert tx.amount > 0
        # No more decimals than the currency has (JPY has none).
        places = minor_units(tx.account.currency)
        assert tx.amount == tx.amount.quantize(Decimal(1).scaleb(-places))


def test_the_same_seed_gives_the_same_data_and_another_seed_different_data():
    seed()
    first = snapshot()
    seed("--reset")
    assert snapshot() == first
    seed("--reset", seed=8)
    assert snapshot() != first


def test_demo_users_log_in_with_the_documented_password():
    seed()
    assert authenticate(username=seeding.demo_email(1), password=seeding.DEMO_PASSWORD) is not None


def test_it_refuses_to_seed_twice_without_reset_and_reset_removes_only_demo_users():
    seed()
    keeper = User.objects.create_user(email="keeper@example.com", password="correct-horse-battery-9")
    with pytest.raises(CommandError, match="--reset"):
        seed()
    seed("--reset")
    assert User.objects.filter(pk=keeper.pk).exists()
    assert User.objects.count() == 5
    assert Transaction.objects.count() == 1500


def test_the_load_test_logs_in_with_the_same_demo_password():
    assert target.DEMO_PASSWORD == seeding.DEMO_PASSWORD
