"""Transfers between one's own accounts through the API: both legs and both balances move together."""

import datetime
from decimal import Decimal

import pytest

from finance.accounts.models import Account
from finance.transactions.models import Transaction
from finance.transfers.models import Transfer
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def checking(user):
    return AccountFactory(user=user, currency="USD", opening_balance="1000.00")


@pytest.fixture
def savings(user):
    return AccountFactory(user=user, currency="USD", opening_balance="0")


@pytest.fixture
def euros(user):
    return AccountFactory(user=user, currency="EUR", opening_balance="0")


def balance(account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance


def transfer(client, source, target, amount="250.00", **extra):
    body = {
        "from_account": source.pk,
        "to_account": target.pk,
        "amount": amount,
        "date": "2026-03-10",
        **extra,
    }
    return client.post("/transfers", body, format="json")


def test_a_transfer_moves_money_between_two_accounts_of_one_currency(client, checking, savings):
    response = transfer(client, checking, savings, description="Savings")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["from_account"] == checking.pk and body["to_account"] == savings.pk
    assert (body["amount"], body["currency"], body["to_amount"], body["to_currency"], body["rate"]) == (
        "250.00",
        "USD",
        "250.00",
        "USD",
        "1",
    )
    assert (body["date"], body["description"]) == ("2026-03-10", "Savings")
    assert (balance(checking), balance(savings)) == (Decimal("750.00"), Decimal("250.00"))
    out_leg = client.get(f"/transactions/{body['from_transaction']}").json()
    in_leg = client.get(f"/transactions/{body['to_transaction']}").json()
    assert {k: out_leg[k] for k in ("type", "direction", "transfer", "category", "account", "amount")} == {
        "type": "transfer",
        "direction": "out",
        "transfer": body["id"],
        "category": None,
        "account": checking.pk,
        "amount": "250.00",
    }
    assert (in_leg["direction"], in_leg["account"], in_leg["amount"]) == ("in", savings.pk, "250.00")


def test_between_currencies_the_arriving_amount_is_required_and_gives_the_rate(client, checking, euros):
    missing = transfer(client, checking, euros, "100.00")
    assert missing.status_code == 400
    assert "to_amount" in missing.json()["errors"]
    assert Transfer.objects.count() == 0 and balance(checking) == Decimal("1000.00")

    response = transfer(client, checking, euros, "100.00", to_amount="92.50")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["to_amount"], body["to_currency"], body["rate"]) == ("92.50", "EUR", "0.925")
    assert (balance(checking), balance(euros)) == (Decimal("900.00"), Decimal("92.50"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to_account": "same"}, "to_account"),
        ({"to_amount": "249.99"}, "to_amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"to_account": 999999}, "to_account"),
        ({"from_account": 999999}, "from_account"),
        ({"date": "2026-02-30"}, "date"),
        ({"category": 1}, "category"),
    ],
)
def test_invalid_transfers_are_refused_and_write_nothing(client, checking, savings, change, field):
    body = {"from_account": checking.pk, "to_account": savings.pk, "amount": "250.00", "date": "2026-03-10"}
    body.update({k: checking.pk if v == "same" else v for k, v in change.items()})
    response = client.post("/transfers", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Transfer.objects.count() == Transaction.objects.count() == 0
    assert (balance(checking), balance(savings)) == (Decimal("1000.00"), Decimal("0"))


def test_another_users_account_is_no_such_account(client, checking, other_user):
    theirs = AccountFactory(user=other_user, currency="USD")
    response = transfer(client, checking, theirs)
    assert response.status_code == 400
    assert response.json()["errors"] == {"to_account": ["No such account."]}
    assert balance(theirs) == Decimal("0")


def test_changing_a_transfer_moves_both_legs_and_balances(client, checking, savings):
    created = transfer(client, checking, savings).json()
    response = client.patch(
        f"/transfers/{created['id']}",
        {"amount": "100.00", "date": "2026-04-01", "description": "Less"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["amount"], body["to_amount"], body["date"], body["description"]) == (
        "100.00",
        "100.00",
        "2026-04-01",
        "Less",
    )
    assert (balance(checking), balance(savings)) == (Decimal("900.00"), Decimal("100.00"))
    legs = Transaction.objects.filter(transfer_id=created["id"])
    assert {(leg.amount, leg.date, leg.description) for leg in legs} == {
        (Decimal("100.00"), datetime.date(2026, 4, 1), "Less")
    }


def test_changing_the_amounts_of_a_transfer_between_currencies(client, checking, euros):
    created = transfer(client, checking, euros, "100.00", to_amount="92.50").json()
    body = client.patch(f"/transfers/{created['id']}", {"to_amount": "90.00"}, format="json").json()
    assert (body["amount"], body["to_amount"], body["rate"]) == ("100.00", "90.00", "0.9")
    assert (balance(checking), balance(euros)) == (Decimal("900.00"), Decimal("90.00"))


def test_deleting_a_transfer_removes_both_legs_and_restores_both_balances(client, checking, savings):
    created = transfer(client, checking, savings).json()
    assert client.delete(f"/transfers/{created['id']}").status_code == 204
    assert Transfer.objects.count() == Transaction.objects.count() == 0
    assert (balance(checking), balance(savings)) == (Decimal("1000.00"), Decimal("0"))
    assert client.get(f"/transfers/{created['id']}").status_code == 404


def test_a_leg_cannot_be_changed_or_deleted_as_a_transaction(client, checking, savings):
    created = transfer(client, checking, savings).json()
    leg = created["from_transaction"]
    for response in (
        client.patch(f"/transactions/{leg}", {"amount": "1.00"}, format="json"),
        client.delete(f"/transactions/{leg}"),
    ):
        assert response.status_code == 409
        assert f"transfer {created['id']}" in response.json()["detail"]
    assert (balance(checking), balance(savings)) == (Decimal("750.00"), Decimal("250.00"))


def test_transactions_cannot_be_created_as_transfers(client, checking):
    category = CategoryFactory(user=checking.user, type="expense")
    body = {
        "account": checking.pk,
        "category": category.pk,
        "type": "transfer",
        "amount": "1.00",
        "date": "2026-03-10",
    }
    assert client.post("/transactions", body, format="json").status_code == 400


def test_the_transaction_list_shows_and_selects_legs(client, checking, savings):
    make_transaction(checking, CategoryFactory(user=checking.user, type="expense"), "12.00")
    created = transfer(client, checking, savings).json()
    legs = client.get("/transactions?type=transfer").json()
    assert legs["count"] == 2
    assert {row["id"] for row in legs["results"]} == {created["from_transaction"], created["to_transaction"]}
    everything = client.get("/transactions").json()["results"]
    assert {row["type"] for row in everything} == {"transfer", "expense"}
    expense = next(row for row in everything if row["type"] == "expense")
    assert (expense["direction"], expense["transfer"]) == ("out", None)


def test_the_list_filters_by_period_and_account(client, checking, savings, euros):
    first = transfer(client, checking, savings).json()
    second = transfer(client, savings, euros, "10.00", to_amount="9.00", date="2026-05-01").json()
    assert [t["id"] for t in client.get("/transfers").json()["results"]] == [second["id"], first["id"]]
    assert [t["id"] for t in client.get(f"/transfers?account={euros.pk}").json()["results"]] == [second["id"]]
    assert [t["id"] for t in client.get(f"/transfers?account={savings.pk}").json()["results"]] == [
        second["id"],
        first["id"],
    ]
    in_march = client.get("/transfers?from=2026-03-01&to=2026-03-31").json()
    assert (in_march["count"], in_march["results"][0]["id"]) == (1, first["id"])
    assert client.get("/transfers?account=0").status_code == 400


def test_deleting_an_account_keeps_the_other_side_of_its_transfers(client, checking, savings):
    created = transfer(client, checking, savings).json()
    assert client.delete(f"/accounts/{savings.pk}").status_code == 204
    body = client.get(f"/transfers/{created['id']}").json()
    assert (body["from_account"], body["to_account"], body["to_transaction"]) == (checking.pk, None, None)
    assert body["from_transaction"] == created["from_transaction"]
    assert balance(checking) == Decimal("750.00")  # the money did leave checking
    refused = client.patch(f"/transfers/{created['id']}", {"amount": "1.00"}, format="json")
    assert refused.status_code == 409
    assert (
        client.patch(f"/transfers/{created['id']}", {"description": "closed"}, format="json").status_code
        == 200
    )
    assert client.delete(f"/transfers/{created['id']}").status_code == 204
    assert balance(checking) == Decimal("1000.00")


def test_an_idempotency_key_makes_a_retried_transfer_happen_once(client, checking, savings):
    body = {"from_account": checking.pk, "to_account": savings.pk, "amount": "5.00", "date": "2026-03-10"}
    first = client.post("/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    again = client.post("/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Transfer.objects.count() == 1 and balance(checking) == Decimal("995.00")


def test_a_balance_that_would_overflow_its_column_answers_409(client, user):
    rich = AccountFactory(user=user, currency="USD", opening_balance="1000000000000")
    full = AccountFactory(user=user, currency="USD", opening_balance="99999000000000")
    response = transfer(client, rich, full, "1000000000000")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert Transfer.objects.count() == 0
    assert balance(full) == Decimal("99999000000000")


def test_a_transfer_whose_two_accounts_were_deleted_is_no_longer_listed(client, checking, savings):
    created = transfer(client, checking, savings).json()
    assert client.delete(f"/accounts/{checking.pk}").status_code == 204
    assert client.get("/transfers").json()["count"] == 1
    assert client.delete(f"/accounts/{savings.pk}").status_code == 204
    assert client.get("/transfers").json()["count"] == 0
    assert client.get(f"/transfers/{created['id']}").status_code == 404
    assert Transaction.objects.count() == 0
