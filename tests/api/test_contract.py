"""The OpenAPI document is exact: every operation it lists is called on a live server, and every answer -
successes and the errors a client meets - is validated against it (status, content type, headers, body).

An operation the document lists without an exercise here fails `test_the_operation_answers_as_documented`,
so a new endpoint is covered before it ships. To cover one, add a function (the transfers below are one
example):

    @exercise("GET /transfers/{id}")
    def get_transfer(api: Contract, ann: Person) -> None:
        ids = {"id": _transfer(api, ann)["id"]}
        api.call("GET", "/transfers/{id}", token=ann.access, path_parameters=ids, expect=200)
        api.call("GET", "/transfers/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)

`api.call` validates each answer and records the operation; `api.account`, `api.category`,
`api.transaction`, `api.export` and `api.register` make the objects an exercise needs.
"""

import copy
import time
from collections.abc import Callable

import jwt
import pytest
from drf_spectacular.generators import SchemaGenerator
from schemathesis.exceptions import CheckFailed

from tests.api.contract import Contract, Person, operations_of

Exercise = Callable[[Contract, Person], None]
EXERCISES: dict[str, Exercise] = {}
ADMIN_EXERCISES: dict[str, Callable[[Contract, Person, Person], None]] = {}

# The operations as the code declares them (collected without a server); the served document must match.
DECLARED = sorted(operations_of(SchemaGenerator().get_schema(request=None, public=True)))
MISSING_ID = 999999999


def exercise(operation: str) -> Callable[[Exercise], Exercise]:
    def register(function: Exercise) -> Exercise:
        assert operation not in EXERCISES, f"two exercises for {operation}"
        EXERCISES[operation] = function
        return function

    return register


def admin_exercise(operation: str):
    """An exercise that also needs an administrator: called with (api, admin, ann)."""

    def register(function):
        ADMIN_EXERCISES[operation] = function
        return function

    return register


# --- auth ----------------------------------------------------------------------------------------------
@exercise("POST /auth/register")
def register(api: Contract, ann: Person) -> None:
    api.register()
    api.call("POST", "/auth/register", body={"email": ann.email, "password": ann.password}, expect=409)
    api.call("POST", "/auth/register", body={"email": "x@example.com", "password": "123"}, expect=400)


@exercise("POST /auth/login")
def login(api: Contract, ann: Person) -> None:
    api.call("POST", "/auth/login", body={"email": ann.email, "password": ann.password}, expect=200)
    api.call("POST", "/auth/login", body={"email": ann.email, "password": "wrong-password"}, expect=401)
    api.call("POST", "/auth/login", body={"email": ann.email}, expect=400)


@exercise("POST /auth/refresh")
def refresh(api: Contract, ann: Person) -> None:
    bob = api.register("bob")
    api.call("POST", "/auth/refresh", body={"refresh": bob.refresh}, expect=200)
    api.call("POST", "/auth/refresh", body={"refresh": bob.refresh}, expect=401)  # used once already


@exercise("POST /auth/logout")
def logout(api: Contract, ann: Person) -> None:
    bob = api.register("bob")
    api.call("POST", "/auth/logout", token=bob.access, body={"refresh": bob.refresh}, expect=204)
    api.call("POST", "/auth/logout", token=bob.access, body={"refresh": ann.refresh}, expect=401)


@exercise("GET /auth/me")
def me(api: Contract, ann: Person) -> None:
    api.call("GET", "/auth/me", token=ann.access, expect=200)
    api.call("GET", "/auth/me", token="not-a-token", expect=401)


@exercise("POST /auth/password")
def password(api: Contract, ann: Person) -> None:
    bob = api.register("bob")
    wrong = {"current_password": "wrong-password", "new_password": "another-horse-battery-7"}
    api.call("POST", "/auth/password", token=bob.access, body=wrong, expect=403)
    right = {"current_password": bob.password, "new_password": "another-horse-battery-7"}
    api.call("POST", "/auth/password", token=bob.access, body=right, expect=204)
    api.call("GET", "/auth/me", token=bob.access, expect=401, eventually=True)  # earlier tokens stop working


# --- users (admins) ---------------------------------------------------------------------------------------
@admin_exercise("GET /users")
def list_users(api: Contract, admin: Person, ann: Person) -> None:
    api.call("GET", "/users", token=admin.access, query={"page_size": 1}, expect=200)
    api.call("GET", "/users", token=ann.access, expect=403)


@admin_exercise("GET /users/{id}")
def get_user(api: Contract, admin: Person, ann: Person) -> None:
    me = api.call("GET", "/auth/me", token=ann.access, expect=200).json()
    api.call("GET", "/users/{id}", token=admin.access, path_parameters={"id": me["id"]}, expect=200)
    api.call("GET", "/users/{id}", token=admin.access, path_parameters={"id": MISSING_ID}, expect=404)


@admin_exercise("PATCH /users/{id}")
def patch_user(api: Contract, admin: Person, ann: Person) -> None:
    bob = api.register("bob")
    bob_id = api.call("GET", "/auth/me", token=bob.access, expect=200).json()["id"]
    ids = {"id": bob_id}
    api.call(
        "PATCH", "/users/{id}", token=admin.access, path_parameters=ids, body={"is_active": False}, expect=200
    )
    api.call("GET", "/auth/me", token=bob.access, expect=401, eventually=True)
    api.call(
        "PATCH", "/users/{id}", token=admin.access, path_parameters=ids, body={"is_active": "no"}, expect=400
    )
    api.call(
        "PATCH", "/users/{id}", token=bob.access, path_parameters=ids, body={"role": "admin"}, expect=401
    )


# --- accounts ---------------------------------------------------------------------------------------------
@exercise("GET /accounts")
def list_accounts(api: Contract, ann: Person) -> None:
    api.account(ann)
    api.call("GET", "/accounts", token=ann.access, query={"page_size": 1}, expect=200)
    api.call("GET", "/accounts", token=ann.access, query={"page": 9999}, expect=404)
    api.call("GET", "/accounts", token=ann.access, query={"sort": "name"}, expect=400)


@exercise("POST /accounts")
def create_account(api: Contract, ann: Person) -> None:
    body = {"name": "Savings", "currency": "JPY", "opening_balance": "5000"}
    key = {"Idempotency-Key": f"contract-{ann.email}"}
    api.call("POST", "/accounts", token=ann.access, body=body, headers=key, expect=201)
    replay = api.call("POST", "/accounts", token=ann.access, body=body, headers=key, expect=201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    api.call("POST", "/accounts", token=ann.access, body={**body, "name": "Other"}, headers=key, expect=422)
    api.call("POST", "/accounts", token=ann.access, body={**body, "opening_balance": "1.5"}, expect=400)


@exercise("GET /accounts/{id}")
def get_account(api: Contract, ann: Person) -> None:
    account = api.account(ann)
    api.call("GET", "/accounts/{id}", token=ann.access, path_parameters={"id": account["id"]}, expect=200)
    api.call("GET", "/accounts/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)


@exercise("PUT /accounts/{id}")
def put_account(api: Contract, ann: Person) -> None:
    account, category = api.account(ann), api.category(ann)
    ids = {"id": account["id"]}
    api.call(
        "PUT",
        "/accounts/{id}",
        token=ann.access,
        path_parameters=ids,
        body={"name": "Cash", "currency": "EUR"},
        expect=200,
    )
    api.transaction(ann, account, category)
    locked = {"name": "Cash", "currency": "USD"}
    api.call("PUT", "/accounts/{id}", token=ann.access, path_parameters=ids, body=locked, expect=409)


@exercise("PATCH /accounts/{id}")
def patch_account(api: Contract, ann: Person) -> None:
    ids = {"id": api.account(ann)["id"]}
    api.call(
        "PATCH", "/accounts/{id}", token=ann.access, path_parameters=ids, body={"name": "Cash"}, expect=200
    )
    api.call(
        "PATCH", "/accounts/{id}", token=ann.access, path_parameters=ids, body={"balance": "1"}, expect=400
    )


@exercise("DELETE /accounts/{id}")
def delete_account(api: Contract, ann: Person) -> None:
    ids = {"id": api.account(ann)["id"]}
    api.call("DELETE", "/accounts/{id}", token=ann.access, path_parameters=ids, expect=204)
    api.call("DELETE", "/accounts/{id}", token=ann.access, path_parameters=ids, expect=404)


# --- categories -------------------------------------------------------------------------------------------
@exercise("GET /categories")
def list_categories(api: Contract, ann: Person) -> None:
    api.category(ann, "income")
    api.call("GET", "/categories", token=ann.access, query={"type": "income"}, expect=200)
    api.call("GET", "/categories", token=ann.access, query={"type": "gift"}, expect=400)


@exercise("POST /categories")
def create_category(api: Contract, ann: Person) -> None:
    category = api.category(ann)
    duplicate = {"name": category["name"], "type": category["type"]}
    api.call("POST", "/categories", token=ann.access, body=duplicate, expect=409)
    api.call("POST", "/categories", token=ann.access, body={"name": "Gifts"}, expect=400)


@exercise("GET /categories/{id}")
def get_category(api: Contract, ann: Person) -> None:
    ids = {"id": api.category(ann)["id"]}
    api.call("GET", "/categories/{id}", token=ann.access, path_parameters=ids, expect=200)
    api.call("GET", "/categories/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)


@exercise("PUT /categories/{id}")
def put_category(api: Contract, ann: Person) -> None:
    ids = {"id": api.category(ann)["id"]}
    body = {"name": "Groceries and more", "type": "expense"}
    api.call("PUT", "/categories/{id}", token=ann.access, path_parameters=ids, body=body, expect=200)
    api.call("PUT", "/categories/{id}", token=ann.access, path_parameters=ids, body={"name": "x"}, expect=400)


@exercise("PATCH /categories/{id}")
def patch_category(api: Contract, ann: Person) -> None:
    account, category = api.account(ann), api.category(ann)
    api.transaction(ann, account, category)
    ids = {"id": category["id"]}
    api.call(
        "PATCH",
        "/categories/{id}",
        token=ann.access,
        path_parameters=ids,
        body={"name": "Eating out"},
        expect=200,
    )
    api.call(
        "PATCH",
        "/categories/{id}",
        token=ann.access,
        path_parameters=ids,
        body={"type": "income"},
        expect=409,
    )


@exercise("DELETE /categories/{id}")
def delete_category(api: Contract, ann: Person) -> None:
    account, used, unused = api.account(ann), api.category(ann), api.category(ann)
    api.transaction(ann, account, used)
    api.call("DELETE", "/categories/{id}", token=ann.access, path_parameters={"id": used["id"]}, expect=409)
    api.call("DELETE", "/categories/{id}", token=ann.access, path_parameters={"id": unused["id"]}, expect=204)


# --- transactions -----------------------------------------------------------------------------------------
@exercise("GET /transactions")
def list_transactions(api: Contract, ann: Person) -> None:
    account, category = api.account(ann), api.category(ann)
    api.transaction(ann, account, category)
    api.transaction(ann, account, category, amount="3.00")
    period = {"from": "2026-11-01", "to": "2026-11-30", "account": account["id"], "type": "expense"}
    api.call(
        "GET", "/transactions", token=ann.access, query={**period, "page_size": 1, "page": 2}, expect=200
    )
    api.call(
        "GET", "/transactions", token=ann.access, query={"from": "2026-12-01", "to": "2026-11-01"}, expect=400
    )


@exercise("POST /transactions")
def create_transaction(api: Contract, ann: Person) -> None:
    account, category = api.account(ann), api.category(ann)
    api.transaction(ann, account, category)
    body = {
        "account": account["id"],
        "category": category["id"],
        "type": "expense",
        "amount": "1.234",
        "date": "2026-11-01",
    }
    api.call("POST", "/transactions", token=ann.access, body=body, expect=400)
    api.call(
        "POST",
        "/transactions",
        token=ann.access,
        body={**body, "amount": "1.25", "type": "income"},
        expect=400,
    )


@exercise("GET /transactions/{id}")
def get_transaction(api: Contract, ann: Person) -> None:
    ids = {"id": api.transaction(ann, api.account(ann), api.category(ann))["id"]}
    api.call("GET", "/transactions/{id}", token=ann.access, path_parameters=ids, expect=200)
    api.call("GET", "/transactions/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)


@exercise("PUT /transactions/{id}")
def put_transaction(api: Contract, ann: Person) -> None:
    account, category = api.account(ann), api.category(ann)
    tx = api.transaction(ann, account, category)
    body = {key: tx[key] for key in ("account", "category", "type", "date", "description")} | {
        "amount": "14.00"
    }
    api.call(
        "PUT", "/transactions/{id}", token=ann.access, path_parameters={"id": tx["id"]}, body=body, expect=200
    )
    api.call(
        "PUT",
        "/transactions/{id}",
        token=ann.access,
        path_parameters={"id": tx["id"]},
        body={"amount": "1.00"},
        expect=400,
    )


@exercise("PATCH /transactions/{id}")
def patch_transaction(api: Contract, ann: Person) -> None:
    tx = api.transaction(ann, api.account(ann), api.category(ann))
    ids = {"id": tx["id"]}
    api.call(
        "PATCH",
        "/transactions/{id}",
        token=ann.access,
        path_parameters=ids,
        body={"amount": "14.00"},
        expect=200,
    )
    api.call(
        "PATCH", "/transactions/{id}", token=ann.access, path_parameters=ids, body={"amount": 14}, expect=400
    )


@exercise("DELETE /transactions/{id}")
def delete_transaction(api: Contract, ann: Person) -> None:
    ids = {"id": api.transaction(ann, api.account(ann), api.category(ann))["id"]}
    api.call("DELETE", "/transactions/{id}", token=ann.access, path_parameters=ids, expect=204)
    api.call("DELETE", "/transactions/{id}", token=ann.access, path_parameters=ids, expect=404)


# --- reports ----------------------------------------------------------------------------------------------
@exercise("GET /reports/summary")
def summary(api: Contract, ann: Person) -> None:
    euros, yen = api.account(ann, "EUR"), api.account(ann, "JPY", "0")
    category = api.category(ann)
    api.transaction(ann, euros, category)
    api.transaction(ann, yen, category, amount="1200")
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    mixed = api.call("GET", "/reports/summary", token=ann.access, query=period, expect=200).json()
    assert mixed["currency"] is None and len(mixed["by_currency"]) >= 2
    one = api.call(
        "GET", "/reports/summary", token=ann.access, query={**period, "account": yen["id"]}, expect=200
    )
    assert one.json()["expense"] == "1200"
    api.call("GET", "/reports/summary", token=ann.access, query={"from": "2026-11-01"}, expect=400)


@exercise("GET /reports/by-category")
def by_category(api: Contract, ann: Person) -> None:
    api.transaction(ann, api.account(ann), api.category(ann))
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    api.call("GET", "/reports/by-category", token=ann.access, query=period, expect=200)
    cached = api.call("GET", "/reports/by-category", token=ann.access, query=period, expect=200)
    assert cached.headers["X-Cache"] == "HIT"
    api.call(
        "GET", "/reports/by-category", token=ann.access, query={**period, "to": "2026-13-01"}, expect=400
    )


@exercise("GET /reports/trends")
def trends(api: Contract, ann: Person) -> None:
    category = api.category(ann)
    api.transaction(ann, api.account(ann), category)
    period = {"from": "2026-10-01", "to": "2026-11-30"}
    body = api.call("GET", "/reports/trends", token=ann.access, query=period, expect=200).json()
    assert [p["start"] for p in body["by_currency"][0]["periods"]] == ["2026-10-01", "2026-11-01"]
    weekly = {**period, "interval": "week", "category": category["id"]}
    api.call("GET", "/reports/trends", token=ann.access, query=weekly, expect=200)
    api.call("GET", "/reports/trends", token=ann.access, query={**period, "interval": "day"}, expect=400)


@exercise("GET /reports/net-worth")
def net_worth(api: Contract, ann: Person) -> None:
    api.transaction(ann, api.account(ann, "EUR"), api.category(ann))
    api.account(ann, "JPY", "5000")
    period = {"from": "2026-10-01", "to": "2026-11-30", "interval": "month"}
    body = api.call("GET", "/reports/net-worth", token=ann.access, query=period, expect=200).json()
    assert {line["currency"] for line in body["by_currency"]} >= {"EUR", "JPY"}
    long = {"from": "2020-01-01", "to": "2026-11-30", "interval": "day"}
    api.call("GET", "/reports/net-worth", token=ann.access, query=long, expect=400)


@exercise("GET /accounts/{id}/balances")
def balances(api: Contract, ann: Person) -> None:
    account = api.account(ann)
    api.transaction(ann, account, api.category(ann))
    ids = {"id": account["id"]}
    week = {"from": "2026-10-30", "to": "2026-11-05", "interval": "day"}
    body = api.call(
        "GET", "/accounts/{id}/balances", token=ann.access, path_parameters=ids, query=week, expect=200
    )
    assert [p["balance"] for p in body.json()["points"]][-5:] == ["87.50"] * 5
    api.call("GET", "/accounts/{id}/balances", token=ann.access, path_parameters=ids, expect=200)
    missing = {"id": MISSING_ID}
    api.call("GET", "/accounts/{id}/balances", token=ann.access, path_parameters=missing, expect=404)
    api.call(
        "GET",
        "/accounts/{id}/balances",
        token=ann.access,
        path_parameters=ids,
        query={"interval": "year"},
        expect=400,
    )


# --- transfers --------------------------------------------------------------------------------------------
def _transfer(api: Contract, ann: Person, **extra: str) -> dict:
    source, target = api.account(ann), api.account(ann, opening="0")
    body = {"from_account": source["id"], "to_account": target["id"], "amount": "5.00", "date": "2026-11-02"}
    return api.call("POST", "/transfers", token=ann.access, body={**body, **extra}, expect=201).json()


@exercise("POST /transfers")
def create_transfer(api: Contract, ann: Person) -> None:
    made = _transfer(api, ann, description="Savings")
    assert made["from_transaction"] and made["to_transaction"]
    euros, yen = api.account(ann), api.account(ann, "JPY", "0")
    body = {"from_account": euros["id"], "to_account": yen["id"], "amount": "10.00", "date": "2026-11-02"}
    api.call("POST", "/transfers", token=ann.access, body=body, expect=400)  # to_amount is required
    crossed = api.call("POST", "/transfers", token=ann.access, body={**body, "to_amount": "1600"}, expect=201)
    assert crossed.json()["rate"] == "160"
    same = {**body, "to_account": euros["id"], "to_amount": "1"}
    api.call("POST", "/transfers", token=ann.access, body=same, expect=400)


@exercise("GET /transfers")
def list_transfers(api: Contract, ann: Person) -> None:
    made = _transfer(api, ann)
    listed = api.call(
        "GET", "/transfers", token=ann.access, query={"account": made["to_account"]}, expect=200
    )
    assert [t["id"] for t in listed.json()["results"]] == [made["id"]]
    api.call(
        "GET", "/transfers", token=ann.access, query={"from": "2026-11-30", "to": "2026-11-01"}, expect=400
    )


@exercise("GET /transfers/{id}")
def get_transfer(api: Contract, ann: Person) -> None:
    ids = {"id": _transfer(api, ann)["id"]}
    api.call("GET", "/transfers/{id}", token=ann.access, path_parameters=ids, expect=200)
    api.call("GET", "/transfers/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)


@exercise("PATCH /transfers/{id}")
def patch_transfer(api: Contract, ann: Person) -> None:
    made = _transfer(api, ann)
    ids = {"id": made["id"]}
    changed = api.call(
        "PATCH", "/transfers/{id}", token=ann.access, path_parameters=ids, body={"amount": "7.00"}, expect=200
    )
    assert changed.json()["to_amount"] == "7.00"
    api.call(
        "PATCH",
        "/transfers/{id}",
        token=ann.access,
        path_parameters=ids,
        body={"to_amount": "6.00"},
        expect=400,
    )
    leg = {"id": made["from_transaction"]}
    api.call(
        "PATCH",
        "/transactions/{id}",
        token=ann.access,
        path_parameters=leg,
        body={"amount": "1.00"},
        expect=409,
    )


@exercise("DELETE /transfers/{id}")
def delete_transfer(api: Contract, ann: Person) -> None:
    ids = {"id": _transfer(api, ann)["id"]}
    api.call("DELETE", "/transfers/{id}", token=ann.access, path_parameters=ids, expect=204)
    api.call("DELETE", "/transfers/{id}", token=ann.access, path_parameters=ids, expect=404)


# --- exports ----------------------------------------------------------------------------------------------
@exercise("GET /exports")
def list_exports(api: Contract, ann: Person) -> None:
    api.export(ann)
    api.call("GET", "/exports", token=ann.access, query={"page_size": 1}, expect=200)
    api.call("GET", "/exports", token=ann.access, query={"page": 9999}, expect=404)


@exercise("POST /exports")
def create_export(api: Contract, ann: Person) -> None:
    created = api.call(
        "POST",
        "/exports",
        token=ann.access,
        body={"report": "summary", "from": "2026-11-01", "to": "2026-11-30"},
        expect=202,
    )
    assert created.headers["Location"] == f"/exports/{created.json()['id']}"
    key = {"Idempotency-Key": f"export-{ann.email}"}
    body = {"report": "by-category", "from": "2026-11-01", "to": "2026-11-30"}
    first = api.call("POST", "/exports", token=ann.access, body=body, headers=key, expect=202)
    replay = api.call("POST", "/exports", token=ann.access, body=body, headers=key, expect=202)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] == first.json()["id"]
    api.call("POST", "/exports", token=ann.access, body={"report": "everything"}, expect=400)


@exercise("GET /exports/{id}")
def get_export(api: Contract, ann: Person) -> None:
    ids = {"id": api.export(ann)["id"]}
    done = api.call("GET", "/exports/{id}", token=ann.access, path_parameters=ids, expect=200).json()
    assert done["status"] == "done" and done["url"], done  # tasks run inline on this server
    api.call("GET", "/exports/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)


@exercise("DELETE /exports/{id}")
def delete_export(api: Contract, ann: Person) -> None:
    ids = {"id": api.export(ann)["id"]}
    api.call("DELETE", "/exports/{id}", token=ann.access, path_parameters=ids, expect=204)
    api.call("DELETE", "/exports/{id}", token=ann.access, path_parameters=ids, expect=404)


@exercise("GET /exports/download/{token}")
def download_export(api: Contract, ann: Person) -> None:
    api.transaction(ann, api.account(ann), api.category(ann))
    export = api.export(ann)
    url = api.call(
        "GET", "/exports/{id}", token=ann.access, path_parameters={"id": export["id"]}, expect=200
    ).json()["url"]
    token = url.rsplit("/", 1)[1]
    csv = api.call("GET", "/exports/download/{token}", path_parameters={"token": token}, expect=200)
    assert csv.text.startswith("id,date,type,account,category,amount,currency,description"), csv.text[:200]
    api.call("GET", "/exports/download/{token}", path_parameters={"token": token[:-2] + "xx"}, expect=403)


# --- imports ----------------------------------------------------------------------------------------------
STATEMENT = (
    b"Date;Description;Amount\n"
    b"02.11.2026;ACME GmbH Gehalt;2.450,00\n"
    b'03.11.2026;"REWE Markt; Einkauf";-54,20\n'
    b"03.11.2026;Cafe;-4,75\n"
)
MULTIPART = "multipart/form-data"


def _upload(api: Contract, ann: Person, account: dict, content: bytes = STATEMENT) -> dict:
    body = {"file": content, "account": account["id"]}
    return api.call("POST", "/imports", token=ann.access, body=body, media_type=MULTIPART, expect=201).json()


def _mapped(api: Contract, ann: Person) -> dict:
    made = _upload(api, ann, api.account(ann))
    ids = {"id": made["id"]}
    api.call(
        "PUT",
        "/imports/{id}/mapping",
        token=ann.access,
        path_parameters=ids,
        body=made["suggested_mapping"],
        expect=200,
    )
    return made


def _committed(api: Contract, ann: Person) -> dict:
    made = _mapped(api, ann)
    body = {"income_category": api.category(ann, "income")["id"], "expense_category": api.category(ann)["id"]}
    api.call(
        "POST",
        "/imports/{id}/commit",
        token=ann.access,
        path_parameters={"id": made["id"]},
        body=body,
        expect=202,
    )
    return made


@exercise("POST /imports")
def upload_statement(api: Contract, ann: Person) -> None:
    account = api.account(ann)
    made = _upload(api, ann, account)
    assert made["format"] == "csv" and made["suggested_mapping"]["delimiter"] == ";", made
    assert made["sample"][1][1] == "REWE Markt; Einkauf"
    key = {"Idempotency-Key": f"import-{ann.email}"}
    body = {"file": STATEMENT, "account": account["id"]}
    first = api.call(
        "POST", "/imports", token=ann.access, body=body, headers=key, media_type=MULTIPART, expect=201
    )
    replay = api.call(
        "POST", "/imports", token=ann.access, body=body, headers=key, media_type=MULTIPART, expect=201
    )
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] == first.json()["id"]
    pdf = {"file": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "account": account["id"]}
    api.call("POST", "/imports", token=ann.access, body=pdf, media_type=MULTIPART, expect=415)
    missing = {"file": STATEMENT, "account": MISSING_ID}
    api.call("POST", "/imports", token=ann.access, body=missing, media_type=MULTIPART, expect=400)


@exercise("GET /imports")
def list_imports(api: Contract, ann: Person) -> None:
    _upload(api, ann, api.account(ann))
    api.call("GET", "/imports", token=ann.access, query={"page_size": 1}, expect=200)
    api.call("GET", "/imports", token=ann.access, query={"page": 9999}, expect=404)


@exercise("GET /imports/{id}")
def get_import(api: Contract, ann: Person) -> None:
    made = _committed(api, ann)
    done = api.call("GET", "/imports/{id}", token=ann.access, path_parameters={"id": made["id"]}, expect=200)
    assert done.json()["status"] == "done" and done.json()["created"] == 3, done.json()  # tasks run inline
    api.call("GET", "/imports/{id}", token=ann.access, path_parameters={"id": MISSING_ID}, expect=404)


@exercise("DELETE /imports/{id}")
def delete_import(api: Contract, ann: Person) -> None:
    committed = _committed(api, ann)
    api.call("DELETE", "/imports/{id}", token=ann.access, path_parameters={"id": committed["id"]}, expect=409)
    fresh = {"id": _upload(api, ann, api.account(ann))["id"]}
    api.call("DELETE", "/imports/{id}", token=ann.access, path_parameters=fresh, expect=204)
    api.call("DELETE", "/imports/{id}", token=ann.access, path_parameters=fresh, expect=404)


@exercise("PUT /imports/{id}/mapping")
def map_import(api: Contract, ann: Person) -> None:
    made = _upload(api, ann, api.account(ann))
    ids = {"id": made["id"]}
    read = api.call(
        "PUT",
        "/imports/{id}/mapping",
        token=ann.access,
        path_parameters=ids,
        body=made["suggested_mapping"],
        expect=200,
    )
    assert read.json() == {"row_count": 3, "invalid_count": 0}
    wrong = {**made["suggested_mapping"], "columns": {"date": 0, "description": 1}}
    api.call("PUT", "/imports/{id}/mapping", token=ann.access, path_parameters=ids, body=wrong, expect=400)


@exercise("GET /imports/{id}/rows")
def import_rows(api: Contract, ann: Person) -> None:
    ids = {"id": _mapped(api, ann)["id"]}
    rows = api.call(
        "GET",
        "/imports/{id}/rows",
        token=ann.access,
        path_parameters=ids,
        query={"status": "new"},
        expect=200,
    )
    assert [r["amount"] for r in rows.json()["results"]] == ["2450.00", "54.20", "4.75"]
    api.call(
        "GET",
        "/imports/{id}/rows",
        token=ann.access,
        path_parameters=ids,
        query={"status": "odd"},
        expect=400,
    )


@exercise("PATCH /imports/{id}/rows/{row}")
def choose_row(api: Contract, ann: Person) -> None:
    ids = {"id": _mapped(api, ann)["id"], "row": 4}
    skipped = api.call(
        "PATCH",
        "/imports/{id}/rows/{row}",
        token=ann.access,
        path_parameters=ids,
        body={"action": "skip"},
        expect=200,
    )
    assert skipped.json()["action"] == "skip"
    api.call(
        "PATCH",
        "/imports/{id}/rows/{row}",
        token=ann.access,
        path_parameters={**ids, "row": 99},
        body={"action": "skip"},
        expect=404,
    )


@exercise("POST /imports/{id}/commit")
def commit_import(api: Contract, ann: Person) -> None:
    made = _mapped(api, ann)
    ids = {"id": made["id"]}
    api.call(
        "POST", "/imports/{id}/commit", token=ann.access, path_parameters=ids, body={}, expect=400
    )  # categories
    body = {"income_category": api.category(ann, "income")["id"], "expense_category": api.category(ann)["id"]}
    api.call("POST", "/imports/{id}/commit", token=ann.access, path_parameters=ids, body=body, expect=202)
    api.call("POST", "/imports/{id}/commit", token=ann.access, path_parameters=ids, body=body, expect=409)


@exercise("POST /imports/{id}/revert")
def revert_import(api: Contract, ann: Person) -> None:
    ids = {"id": _committed(api, ann)["id"]}
    reverting = api.call("POST", "/imports/{id}/revert", token=ann.access, path_parameters=ids, expect=202)
    assert reverting.json()["status"] == "reverted", reverting.json()  # tasks run inline
    api.call("POST", "/imports/{id}/revert", token=ann.access, path_parameters=ids, expect=409)


# --- transfers matched from an expense and an income -----------------------------------------------------
def _pair(api: Contract, ann: Person) -> tuple[dict, dict]:
    source, target = api.account(ann), api.account(ann, opening="0")
    outflow = api.transaction(ann, source, api.category(ann), amount="25.00")
    inflow = api.transaction(ann, target, api.category(ann, "income"), amount="25.00")
    return outflow, inflow


@exercise("GET /transfers/suggestions")
def suggestions(api: Contract, ann: Person) -> None:
    outflow, inflow = _pair(api, ann)
    found = api.call(
        "GET", "/transfers/suggestions", token=ann.access, query={"account": outflow["account"]}, expect=200
    )
    assert [(p["outflow"]["id"], p["inflow"]["id"]) for p in found.json()["results"]] == [
        (outflow["id"], inflow["id"])
    ]
    api.call(
        "GET",
        "/transfers/suggestions",
        token=ann.access,
        query={"from": "2026-11-30", "to": "2026-11-01"},
        expect=400,
    )


@exercise("POST /transfers/match")
def match(api: Contract, ann: Person) -> None:
    outflow, inflow = _pair(api, ann)
    body = {"outflow": outflow["id"], "inflow": inflow["id"]}
    made = api.call("POST", "/transfers/match", token=ann.access, body=body, expect=201).json()
    assert (made["from_transaction"], made["to_transaction"]) == (outflow["id"], inflow["id"])
    api.call("POST", "/transfers/match", token=ann.access, body=body, expect=400)  # legs already


@exercise("POST /transfers/suggestions/reject")
def reject(api: Contract, ann: Person) -> None:
    outflow, inflow = _pair(api, ann)
    body = {"outflow": outflow["id"], "inflow": inflow["id"]}
    api.call("POST", "/transfers/suggestions/reject", token=ann.access, body=body, expect=204)
    api.call(
        "POST", "/transfers/suggestions/reject", token=ann.access, body={"outflow": outflow["id"]}, expect=400
    )


@exercise("POST /transfers/{id}/unlink")
def unlink(api: Contract, ann: Person) -> None:
    outflow, inflow = _pair(api, ann)
    made = api.call(
        "POST",
        "/transfers/match",
        token=ann.access,
        body={"outflow": outflow["id"], "inflow": inflow["id"]},
        expect=201,
    )
    back = api.call(
        "POST",
        "/transfers/{id}/unlink",
        token=ann.access,
        path_parameters={"id": made.json()["id"]},
        expect=200,
    )
    assert back.json()["outflow"]["category"] == outflow["category"]
    direct = {"id": _transfer(api, ann)["id"]}
    api.call("POST", "/transfers/{id}/unlink", token=ann.access, path_parameters=direct, expect=409)


# --- the tests --------------------------------------------------------------------------------------------
def test_the_served_document_lists_the_operations_the_code_declares(served_document):
    assert sorted(operations_of(served_document)) == DECLARED


def test_every_exercise_names_an_operation_of_the_document():
    stale = (set(EXERCISES) | set(ADMIN_EXERCISES)) - set(DECLARED)
    assert not stale, f"exercises for operations the document does not list: {sorted(stale)}"


@pytest.mark.parametrize("operation", DECLARED)
def test_the_operation_answers_as_documented(operation, contract, ann, request):
    if operation in ADMIN_EXERCISES:
        ADMIN_EXERCISES[operation](contract, request.getfixturevalue("admin"), ann)
    elif operation in EXERCISES:
        EXERCISES[operation](contract, ann)
    else:
        pytest.fail(
            f"{operation} is in the OpenAPI document but never exercised: add @exercise({operation!r})"
        )
    assert operation in contract.seen, f"the exercise of {operation} never called it"
    statuses = contract.seen.pop(operation)
    assert any(status < 300 for status in statuses), f"{operation} never succeeded: {statuses}"
    assert any(status >= 400 for status in statuses), f"{operation} was never refused: {statuses}"


@pytest.mark.parametrize("operation", DECLARED)
def test_without_a_token_the_operation_answers_as_documented(operation, contract, served_document):
    method, path = operation.split(" ", 1)
    public = served_document["paths"][path][method.lower()].get("security") == []
    ids = {"id": MISSING_ID} if "{id}" in path else {"token": "no-such-token"} if "{token}" in path else None
    if "{row}" in path:
        ids = {"id": MISSING_ID, "row": 1}
    expect = (400 if method == "POST" else 403) if public else 401
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    response = contract.call(method, path, path_parameters=ids, body=body, expect=expect)
    if not public:
        assert response.json()["detail"].startswith("This endpoint needs an access token")


def test_the_validation_catches_answers_the_document_does_not_describe(contract, served_document, ann):
    altered = copy.deepcopy(served_document)
    summary = altered["components"]["schemas"]["Summary"]
    summary["required"].append("net_worth")  # a member the server never sends
    del altered["paths"]["/auth/me"]["get"]["responses"]["401"]  # a status the server does send
    strict = Contract(altered, contract.base_url)
    with pytest.raises(CheckFailed, match="net_worth"):
        strict.call(
            "GET",
            "/reports/summary",
            token=ann.access,
            query={"from": "2026-11-01", "to": "2026-11-30"},
            expect=200,
        )
    with pytest.raises(CheckFailed, match="401"):
        strict.call("GET", "/auth/me", expect=401)


def test_an_expired_token_is_told_apart_from_a_forged_one(contract, live_app):
    claims = {"token_type": "access", "exp": int(time.time()) - 60, "jti": "contract", "user_id": "1"}
    expired = jwt.encode(claims, live_app.env["SECRET_KEY"], algorithm="HS256")  # the server's own key
    answer = contract.call("GET", "/auth/me", token=expired, expect=401)
    assert answer.json()["detail"] == "The access token has expired; get a new pair from POST /auth/refresh."
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    forged = jwt.encode(
        {**claims, "exp": int(time.time()) + 60},
        "not-the-server-key-though-just-as-long-as-one",
        algorithm="HS256",
    )
    refused = contract.call("GET", "/auth/me", token=forged, expect=401)
    assert refused.json()["detail"] == "The access token is not valid; log in again (POST /auth/login)."
