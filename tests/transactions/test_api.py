from decimal import Decimal

import pytest

from finance.accounts.models import Account
from tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def test_it_creates_an_expense_and_moves_the_balance(client, account, expense_category):
    response = client.post(
        "/transactions",
        {
            "account": account.pk,
            "category": expense_category.pk,
            "type": "expense",
            "amount": "12.50",
            "date": "2026-02-01",
            "description": "Lunch",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "12.50"
    assert body["currency"] == "USD"
    assert Account.objects.get(pk=account.pk).balance == Decimal("87.50")


def test_it_lists_newest_first(client, account, income_category):
    make_transaction(account, income_category, date=__import__("datetime").date(2026, 1, 1))
    newer = make_transaction(account, income_category, date=__import__("datetime").date(2026, 3, 1))
    response = client.get("/transactions")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert response.json()["results"][0]["id"] == newer.pk
