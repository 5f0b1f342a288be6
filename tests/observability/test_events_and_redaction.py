"""Business events name what happened with ids only; passwords and tokens never reach a log line."""

import logging

import pytest
import structlog
from rest_framework.test import APIClient

from config.logging import REDACTED

EMAIL = "dana.events@example.com"
PASSWORD = "Vault-Horse-Battery-42"
NEW_PASSWORD = "Second-Vault-Horse-43"


def drive_every_flow(api: APIClient) -> dict:
    """Register, fail and succeed to log in, refresh, touch every resource, read reports, log out."""
    seen: dict = {}

    def call(method: str, path: str, body: dict | None = None, expect: int = 200, **extra):
        response = getattr(api, method)(path, body, format="json", **extra)
        assert response.status_code == expect, (path, response.status_code, response.content)
        return response

    call("post", "/auth/register", {"email": EMAIL, "password": PASSWORD}, 201)
    call("post", "/auth/login", {"email": EMAIL, "password": "Wrong-Password-99"}, 401)
    tokens = call("post", "/auth/login", {"email": EMAIL, "password": PASSWORD}).json()
    seen["first_access"], seen["first_refresh"] = tokens["access"], tokens["refresh"]
    tokens = call("post", "/auth/refresh", {"refresh": tokens["refresh"]}).json()
    seen["access"], seen["refresh"] = tokens["access"], tokens["refresh"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    account = call("post", "/accounts", {"name": "Main", "currency": "USD", "opening_balance": "10.00"}, 201)
    account_id = account.json()["id"]
    call("patch", f"/accounts/{account_id}", {"name": "Main account"})
    spare = call("post", "/accounts", {"name": "Spare", "currency": "EUR"}, 201).json()["id"]
    call("delete", f"/accounts/{spare}", None, 204)
    salary = call("post", "/categories", {"name": "Salary", "type": "income"}, 201).json()["id"]
    unused = call("post", "/categories", {"name": "Unused", "type": "expense"}, 201).json()["id"]
    call("delete", f"/categories/{unused}", None, 204)
    tx = call(
        "post",
        "/transactions",
        {
            "account": account_id,
            "category": salary,
            "type": "income",
            "amount": "1234.56",
            "date": "2026-01-31",
        },
        201,
    ).json()["id"]
    call("patch", f"/transactions/{tx}", {"amount": "1300.00"})
    period = "?from=2026-01-01&to=2026-01-31"
    seen["report_cache"] = [
        call("get", f"/reports/summary{period}")["X-Cache"],
        call("get", f"/reports/summary{period}")["X-Cache"],
    ]
    call("delete", f"/transactions/{tx}", None, 204)
    savings = call("post", "/accounts", {"name": "Savings", "currency": "USD"}, 201).json()["id"]
    move = {"from_account": account_id, "to_account": savings, "amount": "100.00", "date": "2026-01-15"}
    transfer = call("post", "/transfers", move, 201).json()["id"]
    call("patch", f"/transfers/{transfer}", {"amount": "90.00"})
    for path in (
        f"/reports/trends{period}",
        f"/reports/net-worth{period}",
        f"/accounts/{account_id}/balances{period}",
    ):
        call("get", path)
    call("delete", f"/transfers/{transfer}", None, 204)
    call("post", "/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, 204)
    relogin = call("post", "/auth/login", {"email": EMAIL, "password": NEW_PASSWORD}).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {relogin['access']}")
    call("post", "/auth/logout", {"refresh": relogin["refresh"]}, 204)
    seen["last_refresh"] = relogin["refresh"]
    seen["account_id"], seen["transaction_id"] = account_id, tx
    return seen


@pytest.mark.django_db(transaction=True)
def test_it_logs_a_business_event_for_each_thing_that_happened(logs):
    seen = drive_every_flow(APIClient())

    names = [line["event"] for line in logs.lines() if line.get("logger") == "finance.events"]
    for expected in (
        "user.registered",
        "user.login_failed",
        "user.login_succeeded",
        "user.logged_out",
        "account.created",
        "account.updated",
        "account.deleted",
        "category.created",
        "category.deleted",
        "transaction.created",
        "transaction.updated",
        "transaction.deleted",
        "transfer.created",
        "transfer.updated",
        "transfer.deleted",
    ):
        assert expected in names, (expected, names)
    assert seen["report_cache"] == ["MISS", "HIT"]
    reads = [line for line in logs.events("request.finished") if line.get("route") == "/reports/summary"]
    assert [(line["report"], line["report_cache"]) for line in reads] == [
        ("summary", "miss"),
        ("summary", "hit"),
    ]
    assert reads[0]["report_ms"] > 0 and "report_ms" not in reads[1]  # time spent computing, on a miss only

    [created] = logs.events("transaction.created")
    assert created["transaction_id"] == seen["transaction_id"]
    assert (created["type"], created["currency"], created["amount"]) == ("income", "USD", "1234.56")
    assert logs.events("transaction.updated")[0]["amount"] == "1300.00"
    assert logs.events("account.updated")[0]["account_id"] == seen["account_id"]
    registered = logs.events("user.registered")[0]
    assert isinstance(registered["user_id"], int)
    # Ids, never personal data: the email appears nowhere, not even in the failed login.
    assert EMAIL not in logs.text
    assert "dana.events" not in logs.text


@pytest.mark.django_db(transaction=True)
def test_it_never_logs_passwords_or_tokens_of_the_auth_and_transaction_flows(logs):
    seen = drive_every_flow(APIClient())

    assert len(logs.events("request.finished")) == 26  # the capture saw every request of the flows
    for secret in (
        PASSWORD,
        NEW_PASSWORD,
        "Wrong-Password-99",
        seen["first_access"],
        seen["first_refresh"],
        seen["access"],
        seen["refresh"],
        seen["last_refresh"],
    ):
        assert secret not in logs.text
        # Nor any recognisable piece of a token (its payload or signature).
        for part in secret.split(".")[1:]:
            assert part not in logs.text


def test_it_redacts_secret_fields_and_secrets_inside_text(logs):
    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo3fQ.b64signature-part"
    log = structlog.get_logger("finance.test")
    log.info(
        "probe.secrets",
        password="p4ss-word-field",
        access="access-field-value",
        refresh="refresh-field-value",
        headers={"Authorization": f"Bearer {token}", "Cookie": "sessionid=cookie-value-1", "Accept": "json"},
        database_url="postgresql://finance:db-field-pass@db/finance",
        note=f"retrying with token {token} against redis://:redis-pass-1@redis:6379/0",
        query="page=2&api_key=query-key-value",
        payload={"nested": [{"new_password": "nested-pass-1", "client_secret": "nested-secret-1"}]},
        amount="12.50",
    )
    logging.getLogger("django.security").error("Forbidden: header was Bearer %s", token)

    line = logs.events("probe.secrets")[0]
    assert line["password"] == REDACTED
    assert line["headers"] == {"Authorization": REDACTED, "Cookie": REDACTED, "Accept": "json"}
    assert line["amount"] == "12.50"  # ordinary fields pass untouched
    assert line["query"] == f"page=2&api_key={REDACTED}"
    for secret in (
        "p4ss-word-field",
        "access-field-value",
        "refresh-field-value",
        "b64signature-part",
        "eyJ1c2VyX2lkIjo3fQ",
        "cookie-value-1",
        "db-field-pass",
        "redis-pass-1",
        "query-key-value",
        "nested-pass-1",
        "nested-secret-1",
    ):
        assert secret not in logs.text, secret
    assert "Forbidden: header was Bearer" in logs.text


def test_it_leaves_ordinary_messages_readable(logs):
    structlog.get_logger("finance.test").warning(
        "probe.plain", detail="The refresh token is invalid or expired.", route="/auth/refresh"
    )
    line = logs.events("probe.plain")[0]
    assert line["detail"] == "The refresh token is invalid or expired."
    assert line["route"] == "/auth/refresh"
