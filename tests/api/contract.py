"""Requests to a live server, each answer validated against the OpenAPI document the server serves.

`Contract.call` sends one request to one operation of the document (by method and path template) and
checks the answer with schemathesis: no server error, the status documented for the operation, the
documented content type for that status, the documented headers (present when required, values of the
documented shape) and the body against its schema. It also records which operations were called, so a
test can tell that an operation of the document was never exercised.
"""

import secrets
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deploy.local.live import http, wait_until

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
PASSWORD = "correct-horse-battery-9"


def operations_of(document: dict[str, Any]) -> set[str]:
    """The document's operations as "METHOD /path/{template}"."""
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


@dataclass
class Person:
    """A registered user and their current tokens."""

    email: str
    password: str
    access: str
    refresh: str


@dataclass
class Contract:
    document: dict[str, Any]
    base_url: str
    # operation -> the statuses it answered since the record was last cleared
    seen: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.schema = schemathesis.from_dict(self.document, base_url=self.base_url)

    def call(
        self,
        method: str,
        path: str,
        *,
        expect: int,
        token: str | None = None,
        path_parameters: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        eventually: bool = False,
        media_type: str = "application/json",
    ) -> requests.Response:
        """Send one request to `METHOD path`; the answer must be documented, valid, and of status `expect`.

        `eventually`: the answer changes a moment after an earlier write (a change to a user reaches each
        worker's user cache asynchronously, ADR 0001): wait until it does, then send the checked request.
        `media_type`: how the body is sent; for "multipart/form-data" a bytes value is a file."""
        if eventually:
            sent_headers = {"Authorization": f"Bearer {token}"} if token else {}
            url = self.base_url + path.format(**(path_parameters or {}))
            wait_until(
                lambda: http(method, url, body=body, headers=sent_headers)[0] == expect,
                timeout=15,
                what=f"{method} {path} to answer {expect}",
            )
        operation = self.schema[path][method.upper()]
        case = operation.make_case(
            path_parameters=path_parameters,
            query=query,
            **({"body": body, "media_type": media_type} if body is not None else {}),
        )
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        response = case.call(base_url=self.base_url, headers=sent, timeout=30)
        self.seen.setdefault(f"{method.upper()} {path}", []).append(response.status_code)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code == expect, (
            f"{method} {path} answered {response.status_code}, expected {expect}: {response.text[:500]}"
        )
        return response

    def register(self, prefix: str = "user") -> Person:
        email = f"{prefix}-{secrets.token_hex(4)}@example.com"
        credentials = {"email": email, "password": PASSWORD}
        self.call("POST", "/auth/register", body=credentials, expect=201)
        pair = self.call("POST", "/auth/login", body=credentials, expect=200).json()
        return Person(email, PASSWORD, pair["access"], pair["refresh"])

    # Objects the exercises need, created through the API (and validated like any other answer).
    def account(self, person: Person, currency: str = "EUR", opening: str = "100.00") -> dict[str, Any]:
        body = {"name": f"Account {secrets.token_hex(2)}", "currency": currency, "opening_balance": opening}
        return self.call("POST", "/accounts", token=person.access, body=body, expect=201).json()

    def category(self, person: Person, type_: str = "expense") -> dict[str, Any]:
        body = {"name": f"Category {secrets.token_hex(3)}", "type": type_}
        return self.call("POST", "/categories", token=person.access, body=body, expect=201).json()

    def transaction(
        self, person: Person, account: dict[str, Any], category: dict[str, Any], amount: str = "12.50"
    ) -> dict[str, Any]:
        body = {
            "account": account["id"],
            "category": category["id"],
            "type": category["type"],
            "amount": amount,
            "date": "2026-11-01",
            "description": "Lunch",
        }
        return self.call("POST", "/transactions", token=person.access, body=body, expect=201).json()

    def export(self, person: Person, report: str = "transactions") -> dict[str, Any]:
        body = {"report": report, "from": "2026-11-01", "to": "2026-11-30"}
        return self.call("POST", "/exports", token=person.access, body=body, expect=202).json()
