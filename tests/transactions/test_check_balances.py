import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from finance.accounts.models import Account
from tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def test_it_passes_when_every_balance_matches(account, income_category, expense_category, capsys):
    make_transaction(account, income_category, amount="50.00")
    make_transaction(account, expense_category, amount="20.25")
    call_command("check_balances")
    assert "match their transactions" in capsys.readouterr().out


def test_it_fails_and_names_the_account_on_a_mismatch(account, income_category, capsys):
    make_transaction(account, income_category, amount="50.00")
    Account.objects.filter(pk=account.pk).update(balance=Decimal("1.00"))
    with pytest.raises(CommandError, match="1 account"):
        call_command("check_balances")
    assert f"account {account.pk}" in capsys.readouterr().err


@pytest.mark.postgres
def test_it_fails_when_a_pre_aggregated_figure_differs_from_the_rows(account, expense_category, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the figures are kept on PostgreSQL only")
    make_transaction(account, expense_category, amount="20.25", date=datetime.date(2026, 3, 4))
    call_command("check_balances")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE transactions_categorymonth SET amount = amount + 1")
    with pytest.raises(CommandError, match="1 pre-aggregated figure"):
        call_command("check_balances")
    assert "transactions_categorymonth" in capsys.readouterr().err
