"""Fields the server owns (ids, owners, balances, roles, timestamps) are never writable, on any endpoint.

Every write endpoint of the route table gets a valid body plus one server-owned field: the answer is 400
naming that field, and nothing changes. The valid body alone is accepted, so the 400 is about the field.
"""

import pytest
from django.core.cache import cache

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.reliability.routes import (
    WRITE_BODIES,
    WRITE_METHODS,
    World,
    api_routes,
    detail_object_id,
    send,
    snapshot,
)

pytestmark = pytest.mark.django_db

SERVER_OWNED = {
    "id": 1,
    "pk": 1,
    "user": 1,
    "user_id": 1,
    "owner": 1,
    "balance": "1000000.00",
    "opening_balance": "1000000.00",
    "role": "admin",
    "is_staff": True,
    "is_superuser": True,
    "is_active": False,
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "last_login": "2020-01-01T00:00:00Z",
    "currency_locked": False,
}
# Fields an endpoint does accept by design: admins set role and is_active; an opening balance is set once.
ACCEPTED = {
    ("user-detail", "patch"): {"role", "is_active"},
    ("account-list", "post"): {"opening_balance"},
}
WRITE_CASES = [
    (route, method) for route in api_routes() for method in route.methods if method in WRITE_METHODS
]


def _id(case) -> str:
    route, method = case
    return f"{method.upper()} {route.path('{id}') if route.is_detail else route.path()}"


def _send(route, method, world, body):
    path = route.path(detail_object_id(route, world)) if route.is_detail else route.path()
    # Throttle counters live in the cache; emptying it keeps the auth routes' rate limits out of the way.
    cache.clear()
    return send(client_for(world.user), route, method, path, body)


def _world(route) -> World:
    return World(UserFactory(role="admin") if route.admin_only else UserFactory())


def test_every_write_endpoint_is_covered():
    assert len(WRITE_CASES) >= 14
    missing = [_id(case) for case in WRITE_CASES if (case[0].name, case[1]) not in WRITE_BODIES]
    assert not missing, f"register a valid body in tests/reliability/routes.py WRITE_BODIES for {missing}"


@pytest.mark.parametrize("case", WRITE_CASES, ids=[_id(c) for c in WRITE_CASES])
def test_server_owned_fields_are_refused(case):
    route, method = case
    world = _world(route)
    valid = WRITE_BODIES[(route.name, method)](world)
    refused = []
    for name, value in SERVER_OWNED.items():
        if name in valid or name in ACCEPTED.get((route.name, method), set()):
            continue
        before = snapshot()
        response = _send(route, method, world, {**valid, name: value})
        if response.status_code != 400 or name not in response.json().get("errors", {}):
            refused.append(f"{name}: {response.status_code} {response.content[:200]!r}")
        elif snapshot() != before:
            refused.append(f"{name}: 400 but rows changed")
    assert not refused, "server-owned fields not refused:\n" + "\n".join(refused)


@pytest.mark.parametrize("case", WRITE_CASES, ids=[_id(c) for c in WRITE_CASES])
def test_the_valid_body_alone_is_accepted(case):
    route, method = case
    world = _world(route)
    response = _send(route, method, world, WRITE_BODIES[(route.name, method)](world))
    assert 200 <= response.status_code < 300, response.content


def test_an_admin_cannot_grant_django_admin_access_through_the_api():
    admin = client_for(UserFactory(role="admin"))
    target = UserFactory()
    response = admin.patch(f"/users/{target.pk}", {"is_staff": True, "is_superuser": True}, format="json")
    assert response.status_code == 400
    target.refresh_from_db()
    assert not target.is_staff
    assert not target.is_superuser
