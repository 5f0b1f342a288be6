"""Transfers across imports: one transfer seen from both sides (an expense on one account, an income on the
other) is suggested, matched into a transfer without moving any balance, rejected for good, or unlinked
with its categories back."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from finance.accounts.models import Account
from finance.transactions import figures
from finance.transactions.models import Transaction
from finance.transactions.selectors import balance_mismatches
from tests.factories import AccountFactory, CategoryFactory, make_transaction

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 10)


@pytest.fixture
def checking(user):
    return AccountFactory(user=user, currency="USD", opening_balance="1000.00")


@pytest.fixture
def savings(user):
    return AccountFactory(user=user, currency="USD", opening_balance="0")


@pytest.fixture
def spent(user):
    return CategoryFactory(user=user, type="expense", name="Uncategorized out")


@pytest.fixture
def earned(user):
    return CategoryFactory(user=user, type="income", name="Uncategorized in")


def day(offset: int) -> datetime.date:
    return MARCH + datetime.timedelta(days=offset)


def pairs(client, **query) -> list[tuple[int, int]]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    response = client.get(f"/transfers/suggestions?{params}")
    assert response.status_code == 200, response.content
    return [(p["outflow"]["id"], p["inflow"]["id"]) for p in response.json()["results"]]


def balances(*accounts) -> list[Decimal]:
    return [Account.objects.get(pk=a.pk).balance for a in accounts]


def assert_consistent() -> None:
    assert list(balance_mismatches()) == []
    if connection.vendor == "postgresql":
        assert figures.mismatches() == []


def test_one_transfer_seen_from_both_sides_is_suggested(client, checking, savings, spent, earned):
    out = make_transaction(checking, spent, amount="500.00", date=day(0))
    arrived = make_transaction(savings, earned, amount="500.00", date=day(2))
    make_transaction(savings, earned, amount="500.00", date=day(5))  # 5 days: too far
    make_transaction(checking, earned, amount="500.00", date=day(1))  # the same account
    make_transaction(savings, earned, amount="499.99", date=day(1))  # another amount
    response = client.get("/transfers/suggestions").json()
    assert response["count"] == 1
    [pair] = response["results"]
    assert pair["days_apart"] == 2
    assert pair["outflow"] == {
        "id": out.pk,
        "account": checking.pk,
        "category": spent.pk,
        "amount": "500.00",
        "currency": "USD",
        "date": "2026-03-10",
        "description": "",
    }
    assert pair["inflow"]["id"] == arrived.pk


def test_each_transaction_is_in_one_pair_the_nearest_first(client, checking, savings, spent, earned):
    early = make_transaction(checking, spent, amount="50.00", date=day(0))
    late = make_transaction(checking, spent, amount="50.00", date=day(3))
    arrived = make_transaction(savings, earned, amount="50.00", date=day(3))
    assert pairs(client) == [(late.pk, arrived.pk)]
    second = make_transaction(savings, earned, amount="50.00", date=day(1))
    assert sorted(pairs(client)) == sorted([(late.pk, arrived.pk), (early.pk, second.pk)])


def test_accounts_in_other_currencies_are_never_paired(client, user, checking, spent, earned):
    euros = AccountFactory(user=user, currency="EUR")
    make_transaction(checking, spent, amount="100.00", date=day(0))
    make_transaction(euros, earned, amount="100.00", date=day(0))
    assert pairs(client) == []


def test_another_users_transactions_are_never_paired(client, other_user, checking, spent):
    make_transaction(checking, spent, amount="100.00", date=day(0))
    theirs = AccountFactory(user=other_user, currency="USD")
    make_transaction(theirs, CategoryFactory(user=other_user, type="income"), amount="100.00", date=day(0))
    assert pairs(client) == []


def test_a_rejected_pair_is_never_suggested_again(client, checking, savings, spent, earned):
    out = make_transaction(checking, spent, amount="80.00", date=day(0))
    arrived = make_transaction(savings, earned, amount="80.00", date=day(1))
    body = {"outflow": out.pk, "inflow": arrived.pk}
    assert client.post("/transfers/suggestions/reject", body, format="json").status_code == 204
    assert client.post("/transfers/suggestions/reject", body, format="json").status_code == 204
    assert pairs(client) == []
    other = make_transaction(savings, earned, amount="80.00", date=day(2))
    assert pairs(client) == [(out.pk, other.pk)]  # the expense may still pair with another income


def test_rejecting_another_users_transaction_is_refused(client, other_user, checking, spent):
    out = make_transaction(checking, spent, amount="80.00", date=day(0))
    theirs = AccountFactory(user=other_user)
    foreign = make_transaction(theirs, CategoryFactory(user=other_user, type="income"), amount="80.00")
    response = client.post(
        "/transfers/suggestions/reject", {"outflow": out.pk, "inflow": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"inflow": ["No such transaction."]}


def test_matching_makes_one_transfer_and_moves_no_balance(
    client, checking, savings, spent, earned, django_capture_on_commit_callbacks
):
    out = make_transaction(checking, spent, amount="500.00", date=day(0), description="To savings")
    arrived = make_transaction(savings, earned, amount="500.00", date=day(2), description="From checking")
    before = balances(checking, savings)
    summary = client.get("/reports/summary?from=2026-03-01&to=2026-03-31").json()
    assert (summary["income"], summary["expense"]) == ("500.00", "500.00")
    with django_capture_on_commit_callbacks(execute=True):  # the cached report goes stale on commit
        response = client.post("/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json")
    assert response.status_code == 201, response.content
    transfer = response.json()
    assert (transfer["from_transaction"], transfer["to_transaction"]) == (out.pk, arrived.pk)
    assert (transfer["amount"], transfer["to_amount"], transfer["date"]) == ("500.00", "500.00", "2026-03-10")
    assert balances(checking, savings) == before
    legs = {tx.pk: tx for tx in Transaction.objects.filter(pk__in=[out.pk, arrived.pk])}
    assert legs[out.pk].type == legs[arrived.pk].type == "transfer"
    assert legs[arrived.pk].date == day(2)  # each leg keeps its own date
    summary = client.get("/reports/summary?from=2026-03-01&to=2026-03-31").json()
    assert (summary["income"], summary["expense"], summary["transfers_in"]) == ("0.00", "0.00", "500.00")
    assert pairs(client) == []
    assert_consistent()


def test_a_matched_transfer_unlinks_with_its_categories_back(client, checking, savings, spent, earned):
    out = make_transaction(checking, spent, amount="500.00", date=day(0))
    arrived = make_transaction(savings, earned, amount="500.00", date=day(2))
    transfer = client.post(
        "/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json"
    ).json()
    before = balances(checking, savings)
    response = client.post(f"/transfers/{transfer['id']}/unlink")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["outflow"]["id"], body["outflow"]["category"]) == (out.pk, spent.pk)
    assert (body["inflow"]["id"], body["inflow"]["category"]) == (arrived.pk, earned.pk)
    out.refresh_from_db()
    arrived.refresh_from_db()
    assert (out.type, out.category_id, out.transfer_id) == ("expense", spent.pk, None)
    assert (arrived.type, arrived.category_id, arrived.transfer_id) == ("income", earned.pk, None)
    assert balances(checking, savings) == before
    assert client.get(f"/transfers/{transfer['id']}").status_code == 404
    assert_consistent()


def test_a_category_kept_by_a_matched_transfer_cannot_be_deleted(client, checking, savings, spent, earned):
    out = make_transaction(checking, spent, amount="5.00", date=day(0))
    arrived = make_transaction(savings, earned, amount="5.00", date=day(0))
    client.post("/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json")
    response = client.delete(f"/categories/{spent.pk}")
    assert response.status_code == 409
    assert response.json()["errors"] == {"category": ["Kept by a matched transfer."]}


def test_a_transfer_made_directly_cannot_be_unlinked(client, checking, savings):
    made = client.post(
        "/transfers",
        {"from_account": checking.pk, "to_account": savings.pk, "amount": "10.00", "date": "2026-03-01"},
        format="json",
    ).json()
    response = client.post(f"/transfers/{made['id']}/unlink")
    assert response.status_code == 409
    assert "DELETE /transfers" in response.json()["detail"]


@pytest.mark.parametrize(
    ("outflow", "inflow", "field", "message"),
    [
        ("income", "income", "outflow", "Must be an expense; this is income."),
        ("expense", "expense", "inflow", "Must be an income; this is expense."),
    ],
)
def test_a_match_needs_an_expense_and_an_income(
    client, checking, savings, spent, earned, outflow, inflow, field, message
):
    kinds = {"income": earned, "expense": spent}
    out = make_transaction(checking, kinds[outflow], amount="5.00")
    arrived = make_transaction(savings, kinds[inflow], amount="5.00")
    response = client.post("/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}


def test_a_match_of_one_currency_needs_equal_amounts_and_two_accounts(
    client, checking, savings, spent, earned
):
    out = make_transaction(checking, spent, amount="5.00")
    arrived = make_transaction(savings, earned, amount="6.00")
    unequal = client.post("/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json")
    assert unequal.status_code == 400
    assert "must be equal" in unequal.json()["errors"]["inflow"][0]
    same = make_transaction(checking, earned, amount="5.00")
    one_account = client.post("/transfers/match", {"outflow": out.pk, "inflow": same.pk}, format="json")
    assert one_account.json()["errors"] == {"inflow": ["Must be on another account than outflow."]}


def test_a_match_across_currencies_keeps_both_amounts(client, user, checking, spent):
    euros = AccountFactory(user=user, currency="EUR")
    out = make_transaction(checking, spent, amount="100.00", date=day(0))
    arrived = make_transaction(euros, CategoryFactory(user=user, type="income"), amount="92.50", date=day(1))
    before = balances(checking, euros)
    response = client.post("/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["to_amount"], response.json()["rate"]) == ("92.50", "0.925")
    assert balances(checking, euros) == before
    assert_consistent()


def test_a_leg_cannot_be_matched_again(client, checking, savings, spent, earned):
    out = make_transaction(checking, spent, amount="5.00")
    arrived = make_transaction(savings, earned, amount="5.00")
    client.post("/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json")
    again = make_transaction(savings, earned, amount="5.00")
    response = client.post("/transfers/match", {"outflow": out.pk, "inflow": again.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["outflow"][0].startswith("Already a leg of transfer")


def test_a_matched_transfer_changes_and_deletes_like_any_other(client, checking, savings, spent, earned):
    out = make_transaction(checking, spent, amount="5.00", date=day(0))
    arrived = make_transaction(savings, earned, amount="5.00", date=day(1))
    transfer = client.post(
        "/transfers/match", {"outflow": out.pk, "inflow": arrived.pk}, format="json"
    ).json()
    assert client.patch(f"/transfers/{transfer['id']}", {"amount": "7.00"}, format="json").status_code == 200
    assert balances(checking, savings) == [Decimal("993.00"), Decimal("7.00")]
    assert client.delete(f"/transfers/{transfer['id']}").status_code == 204
    assert balances(checking, savings) == [Decimal("1000.00"), Decimal("0.00")]
    assert_consistent()


def test_a_user_with_matched_transfers_can_be_deleted(user, checking, savings, spent, earned):
    from finance.transfers.services import match_transfer

    out = make_transaction(checking, spent, amount="5.00")
    arrived = make_transaction(savings, earned, amount="5.00")
    match_transfer(user=user, outflow_id=out.pk, inflow_id=arrived.pk)
    user.delete()
    assert Transaction.objects.count() == 0
