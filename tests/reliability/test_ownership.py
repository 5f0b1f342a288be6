"""Ownership matrix, generated from the URL resolver: every detail route x every method it serves.

With another user's object id the answer is 404 - the same answer as for an id that does not exist - and
no row changes. Admin-only routes answer 403 to everyone else. A new detail route fails here until
tests/reliability/routes.py knows how to create an object for it.
"""

import pytest

from finance.accounts.models import Account
from finance.transactions.models import Transaction
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.reliability.routes import (
    OWNED_OBJECTS,
    WRITE_BODIES,
    WRITE_METHODS,
    World,
    api_routes,
    read_path,
    send,
    snapshot,
)

pytestmark = pytest.mark.django_db

ROUTES = api_routes()
DETAIL_CASES = [
    (route, method)
    for route in ROUTES
    if route.is_detail and not route.admin_only
    for method in route.methods
]
ADMIN_CASES = [(route, method) for route in ROUTES if route.admin_only for method in route.methods]
MISSING_ID = 987654321


def _case_id(case) -> str:
    route, method = case
    return f"{method.upper()} {route.path('{id}') if route.is_detail else route.path()}"


def call(client, route, method: str, path: str, body: dict | None = None):
    return send(client, route, method, path, body)


def _comparable(response) -> tuple[int, object]:
    if response.request["REQUEST_METHOD"] == "HEAD" or not response.content:
        return response.status_code, None
    body = dict(response.json())
    body.pop("request_id", None)
    return response.status_code, body


def test_the_route_table_has_the_detail_routes_we_expect():
    names = {route.name for route in ROUTES if route.is_detail}
    assert {"account-detail", "category-detail", "transaction-detail", "user-detail"} <= names
    assert len(DETAIL_CASES) >= 15


@pytest.mark.parametrize("case", DETAIL_CASES, ids=[_case_id(c) for c in DETAIL_CASES])
def test_another_users_object_answers_404_and_changes_nothing(case, user, other_user):
    route, method = case
    if route.name not in OWNED_OBJECTS:
        pytest.fail(
            f"register in tests/reliability/routes.py OWNED_OBJECTS how to create a {route.name} object"
        )
    if method in WRITE_METHODS and (route.name, method) not in WRITE_BODIES:
        pytest.fail(
            f"register in tests/reliability/routes.py WRITE_BODIES a valid body for {method} {route.name}"
        )
    victim_id = OWNED_OBJECTS[route.name](other_user)
    attacker = World(user)
    body = WRITE_BODIES[(route.name, method)](attacker) if method in WRITE_METHODS else None
    # The object exists and its owner reaches it: the 404 below is about ownership, not a bad id.
    assert client_for(other_user).get(read_path(route, victim_id)).status_code == 200

    client = client_for(user)
    before = snapshot()
    theirs = call(client, route, method, route.path(victim_id), body)
    body = (
        WRITE_BODIES[(route.name, method)](attacker) if method in WRITE_METHODS else None
    )  # files read once
    missing = call(client, route, method, route.path(MISSING_ID), body)
    assert snapshot() == before
    if method != "options":
        assert theirs.status_code == 404, theirs.content
    assert _comparable(theirs) == _comparable(missing)


@pytest.mark.parametrize("case", ADMIN_CASES, ids=[_case_id(c) for c in ADMIN_CASES])
def test_admin_only_routes_answer_403_to_users(case, user, other_user):
    route, method = case
    body = WRITE_BODIES[(route.name, method)](World(user)) if method in WRITE_METHODS else None
    before = snapshot()
    response = call(client_for(user), route, method, route.path(other_user.pk), body)
    assert response.status_code == 403
    assert snapshot() == before


def test_admins_do_reach_the_admin_routes(user):
    admin = client_for(UserFactory(role="admin"))
    assert admin.get("/users").status_code == 200
    assert admin.get(f"/users/{user.pk}").json()["email"] == user.email


def test_lists_and_reports_never_show_another_users_rows(user, other_user):
    theirs = World(other_user)
    mine = World(user)
    client = client_for(user)
    expected = {
        "/accounts": set(Account.objects.filter(user=user).values_list("pk", flat=True)),
        "/categories": {mine.income.pk, mine.expense.pk},
        "/transactions": set(Transaction.objects.filter(user=user).values_list("pk", flat=True)),
        "/transfers": {mine.transfer.pk, mine.matched.pk},
        "/imports": {mine.mapped_import.pk, mine.done_import.pk},
    }
    assert {mine.transaction.pk, mine.transfer.from_transaction_id, mine.outflow.pk} <= expected[
        "/transactions"
    ]
    for path, own_ids in expected.items():
        assert {row["id"] for row in client.get(f"{path}?page_size=100").json()["results"]} == own_ids
    suggested = client.get("/transfers/suggestions").json()["results"]
    assert [(p["outflow"]["id"], p["inflow"]["id"]) for p in suggested] == [(mine.outflow.pk, mine.inflow.pk)]
    filtered = client.get(f"/transactions?account={theirs.account.pk}").json()
    assert filtered["count"] == 0
    period = f"from=2026-01-01&to=2026-12-31&account={theirs.account.pk}"
    assert client.get(f"/reports/summary?{period}").json()["by_currency"] == []
    assert client.get(f"/reports/by-category?{period}").json()["results"] == []
    assert client.get(f"/transfers?account={theirs.account.pk}").json()["count"] == 0
    assert client.get(f"/reports/trends?{period}").json()["by_currency"] == []
    net_worth = client.get("/reports/net-worth?from=2026-01-01&to=2026-12-31").json()
    assert [line["currency"] for line in net_worth["by_currency"]] == ["USD"]  # only my accounts


def test_a_transaction_cannot_use_another_users_account_or_category(user, other_user):
    theirs = World(other_user)
    mine = World(user)
    client = client_for(user)
    before = snapshot()
    for field, value in (("account", theirs.account.pk), ("category", theirs.expense.pk)):
        body = {**mine.transaction_body(), field: value}
        created = client.post("/transactions", body, format="json")
        assert created.status_code == 400
        assert field in created.json()["errors"]
        moved = client.patch(f"/transactions/{mine.transaction.pk}", {field: value}, format="json")
        assert moved.status_code == 400
    assert snapshot() == before
