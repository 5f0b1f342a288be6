from decimal import Decimal

import pytest

from finance.accounts.models import Account
from finance.transactions.models import Transaction
from tests.factories import AccountFactory, make_transaction

pytestmark = pytest.mark.django_db


def test_it_opens_an_account_with_an_opening_balance(client, user):
    response = client.post(
        "/accounts", {"name": "Wallet", "currency": "EUR", "opening_balance": "250.5"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["balance"] == "250.50"
    assert body["opening_balance"] == "250.50"
    assert body["currency"] == "EUR"
    assert Account.objects.get(pk=body["id"]).user == user


def test_opening_balance_defaults_to_zero_and_uses_minor_units(client):
    response = client.post("/accounts", {"name": "Yen", "currency": "JPY"}, format="json")
    assert response.json()["balance"] == "0"
    kwd = client.post(
        "/accounts", {"name": "Dinar", "currency": "KWD", "opening_balance": "1.5"}, format="json"
    )
    assert kwd.json()["balance"] == "1.500"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "currency": "ABC"}, "currency"),
        ({"name": "A", "currency": "usd"}, "currency"),
        ({"name": "A", "currency": "XAU"}, "currency"),
        ({"name": "A", "currency": "USD", "opening_balance": "1.234"}, "opening_balance"),
        ({"name": "A", "currency": "JPY", "opening_balance": "1.5"}, "opening_balance"),
        ({"name": "A", "currency": "USD", "opening_balance": 10.5}, "opening_balance"),
        ({"name": "A", "currency": "USD", "opening_balance": "1e5"}, "opening_balance"),
        ({"name": "A", "currency": "USD", "opening_balance": "99999999999999"}, "opening_balance"),
        ({"name": "", "currency": "USD"}, "name"),
        ({"name": "x" * 101, "currency": "USD"}, "name"),
        ({"name": "A\x00B", "currency": "USD"}, "name"),
        ({"name": "A", "currency": "USD", "balance": "5.00"}, "balance"),
        ({"currency": "USD"}, "name"),
    ],
)
def test_it_refuses_bad_accounts(client, payload, field):
    response = client.post("/accounts", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Account.objects.exists()


def test_it_lists_only_my_accounts_with_pagination(client, user, other_user):
    for _ in range(3):
        AccountFactory(user=user)
    AccountFactory(user=other_user)
    body = client.get("/accounts", {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
    assert body["previous"] is None


def test_put_and_patch_rename_but_never_touch_the_balance(client, account):
    put = client.put(f"/accounts/{account.pk}", {"name": "Main", "currency": "USD"}, format="json")
    assert put.status_code == 200
    assert put.json()["name"] == "Main"
    patch = client.patch(f"/accounts/{account.pk}", {"balance": "1000000.00"}, format="json")
    assert patch.status_code == 400
    assert Account.objects.get(pk=account.pk).balance == Decimal("100.00")


def test_put_needs_every_field(client, account):
    assert client.put(f"/accounts/{account.pk}", {"name": "Main"}, format="json").status_code == 400


def test_currency_is_locked_once_transactions_exist(client, account, income_category):
    assert client.patch(f"/accounts/{account.pk}", {"currency": "EUR"}, format="json").status_code == 200
    make_transaction(account, income_category, amount="1.00")
    response = client.patch(f"/accounts/{account.pk}", {"currency": "USD"}, format="json")
    assert response.status_code == 409
    assert Account.objects.get(pk=account.pk).currency == "EUR"


def test_deleting_an_account_deletes_its_transactions(client, account, income_category):
    make_transaction(account, income_category)
    assert client.delete(f"/accounts/{account.pk}").status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not Transaction.objects.filter(account_id=account.pk).exists()


def test_another_users_account_is_not_found_on_every_method(other_client, account):
    url = f"/accounts/{account.pk}"
    assert other_client.get(url).status_code == 404
    assert other_client.put(url, {"name": "x", "currency": "USD"}, format="json").status_code == 404
    assert other_client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert other_client.delete(url).status_code == 404
    assert Account.objects.get(pk=account.pk).name == account.name


def test_accounts_need_authentication(api):
    assert api.get("/accounts").status_code == 401
    assert api.post("/accounts", {"name": "A", "currency": "USD"}, format="json").status_code == 401
