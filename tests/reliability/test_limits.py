"""Input limits: body size, nesting, period length, NUL bytes and over-long strings in bodies and queries.

PostgreSQL refuses NUL in text columns, so on PostgreSQL an unchecked NUL would surface as a 500.
"""

import json
from datetime import date, timedelta

import pytest
from django.conf import settings
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

WRITE_CASES = [
    (route, method) for route in api_routes() for method in route.methods if method in WRITE_METHODS
]
GET_ROUTES = [route for route in api_routes() if "get" in route.methods and not route.is_detail]
# The query parameters of the routes that take any (besides page and page_size), with valid values.
VALID_QUERIES = {
    "account-list": {},
    "transaction-list": {"from": "2026-01-01", "to": "2026-01-31", "type": "expense", "account": "1"},
    "category-list": {"type": "income"},
    "report-summary": {"from": "2026-01-01", "to": "2026-01-31", "account": "1"},
    "report-by-category": {"from": "2026-01-01", "to": "2026-01-31", "account": "1"},
}
PAGINATED = {"account-list", "category-list", "transaction-list"}
OVERLONG = 5000


def _id(case) -> str:
    route, method = case
    return f"{method.upper()} {route.path('{id}') if route.is_detail else route.path()}"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def raw_post(client, path: str, raw: str | bytes):
    return client.generic("POST", path, raw, content_type="application/json")


# --- body size and shape --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/transactions", "/auth/login"])
def test_a_body_over_the_limit_answers_413(client, path):
    raw = json.dumps({"description": "x" * settings.MAX_REQUEST_BODY_BYTES})
    body = _problem(raw_post(client, path, raw), 413)
    assert str(settings.MAX_REQUEST_BODY_BYTES) in body["detail"]


def test_the_body_limit_follows_the_setting(client, account, settings):
    settings.MAX_REQUEST_BODY_BYTES = 2048
    small = json.dumps({"name": "x" * 100, "currency": "USD"})
    assert raw_post(client, "/accounts", small).status_code == 201
    _problem(raw_post(client, "/accounts", json.dumps({"name": "x" * 3000, "currency": "USD"})), 413)


def test_a_body_nested_too_deeply_answers_400(client):
    body = _problem(raw_post(client, "/transactions", "[" * 30000 + "]" * 30000), 400)
    assert "nested" in body["detail"]


@pytest.mark.parametrize("raw", ["{", '{"amount": NaN}', b"\xff\xfe", "[]", '"text"', "null"], ids=repr)
def test_a_body_that_is_not_a_json_object_answers_400(client, account, raw):
    before = snapshot()
    _problem(raw_post(client, "/transactions", raw), 400)
    assert snapshot() == before


# --- periods --------------------------------------------------------------------------------------------

PERIOD_PATHS = ["/reports/summary", "/reports/by-category", "/transactions"]


@pytest.mark.parametrize("path", PERIOD_PATHS)
def test_a_period_longer_than_the_cap_answers_400(client, path):
    start = date(2020, 1, 1)
    longest = start + timedelta(days=settings.MAX_PERIOD_DAYS - 1)
    assert client.get(f"{path}?from={start}&to={longest}").status_code == 200
    too_long = longest + timedelta(days=1)
    body = _problem(client.get(f"{path}?from={start}&to={too_long}"), 400)
    assert "to" in body["errors"]


@pytest.mark.parametrize("path", PERIOD_PATHS)
def test_a_period_that_ends_before_it_starts_answers_400(client, path):
    body = _problem(client.get(f"{path}?from=2026-02-01&to=2026-01-31"), 400)
    assert "from" in body["errors"]


def test_the_transaction_list_honours_the_period(client, account, expense_category):
    from tests.factories import make_transaction

    make_transaction(account, expense_category, date=date(2026, 1, 10))
    make_transaction(account, expense_category, date=date(2026, 2, 10))
    january = client.get("/transactions?from=2026-01-01&to=2026-01-31").json()
    assert [row["date"] for row in january["results"]] == ["2026-01-10"]


# --- strings in bodies ----------------------------------------------------------------------------------


def _send(route, method, world, body):
    cache.clear()  # throttle counters: rate limits are not what this test is about
    path = route.path(detail_object_id(route, world)) if route.is_detail else route.path()
    return send(client_for(world.user), route, method, path, body)


@pytest.mark.parametrize("case", WRITE_CASES, ids=[_id(c) for c in WRITE_CASES])
def test_nul_bytes_and_overlong_strings_in_any_field_answer_400(case):
    route, method = case
    world = World(UserFactory(role="admin") if route.admin_only else UserFactory())
    valid = WRITE_BODIES[(route.name, method)](world)
    failures = []
    string_fields = [name for name, value in valid.items() if isinstance(value, str)]
    for name in string_fields:
        for label, value in (("NUL", valid[name][:3] + "\x00" + valid[name][3:]), ("long", "7" * OVERLONG)):
            before = snapshot()
            response = _send(route, method, world, {**valid, name: value})
            if response.status_code != 400 or name not in response.json().get("errors", {}):
                failures.append(f"{label} in {name}: {response.status_code} {response.content[:160]!r}")
            elif snapshot() != before:
                failures.append(f"{label} in {name}: 400 but rows changed")
    # A NUL in a field name is an unknown field, not a crash.
    response = _send(route, method, world, {**valid, "name\x00": "x"})
    if response.status_code != 400:
        failures.append(f"NUL in a field name: {response.status_code}")
    assert not failures, "\n".join(failures)


# --- query strings --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", GET_ROUTES, ids=[route.path() for route in GET_ROUTES])
def test_control_characters_in_any_query_answer_400(route, client):
    for query in ("q=a%00b", "q=a%01b", "a%00=1", "q=a%0Ab"):
        _problem(client.get(f"{route.path()}?{query}"), 400)
    _problem(client.get(f"{route.path()}?q={'x' * 3000}"), 400)


@pytest.mark.parametrize("name", sorted(VALID_QUERIES))
def test_nul_bytes_and_overlong_values_in_any_query_parameter_answer_400(name, client):
    route = next(route for route in GET_ROUTES if route.name == name)
    paging = {"page": "1", "page_size": "10"} if name in PAGINATED else {}
    params = {**VALID_QUERIES[name], **paging}
    failures = []
    for key in params:
        for label, bad in (("NUL", params[key] + "%00"), ("long", "9" * 1500)):
            query = "&".join(f"{k}={bad if k == key else v}" for k, v in params.items())
            response = client.get(f"{route.path()}?{query}")
            if response.status_code != 400:
                failures.append(f"{label} in {key}: {response.status_code} {response.content[:160]!r}")
    response = client.get(f"{route.path()}?sort=-id")
    if response.status_code != 400:
        failures.append(f"unknown parameter: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", sorted(VALID_QUERIES))
def test_the_valid_query_is_accepted(name, client):
    route = next(route for route in GET_ROUTES if route.name == name)
    params = "&".join(f"{k}={v}" for k, v in VALID_QUERIES[name].items())
    paging = "&page=1&page_size=10" if name in PAGINATED else ""
    assert client.get(f"{route.path()}?{params}{paging}").status_code == 200


def test_page_size_is_capped(client):
    body = _problem(client.get("/accounts?page_size=101"), 400)
    assert "page_size" in body["errors"]
    assert client.get("/accounts?page_size=100").status_code == 200
