"""Races and keys against the real app: gunicorn (2 workers x 4 threads) on PostgreSQL, one stack per module.

* one Idempotency-Key sent by WRITERS simultaneous identical POST /transactions writes exactly once;
* WRITERS simultaneous refreshes of one refresh token: exactly one succeeds;
* JWT_SIGNING_KEY differs from SECRET_KEY: a token signed with SECRET_KEY is refused;
* nothing secret reaches the logs or an error body.
"""

import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from deploy.local.live import ApiUser, leaked, postgres_url, running_app

pytestmark = [pytest.mark.process, pytest.mark.postgres]

WRITERS = 8
JWT_SIGNING_KEY = secrets.token_urlsafe(48)


@pytest.fixture(scope="module")
def app():
    if postgres_url() is None:
        pytest.skip("needs PostgreSQL (row locks and a unique index under real concurrency)")
    with running_app(
        workers=2,
        threads=4,
        JWT_SIGNING_KEY=JWT_SIGNING_KEY,
        # Rate limits are tested elsewhere; here they would only get in the way of the setup.
        THROTTLE_LOGIN_RATE="1000/min",
        THROTTLE_REGISTER_RATE="1000/min",
        # Logins repeat here; PBKDF2's deliberate cost would only slow the module down.
        PASSWORD_HASHERS="django.contrib.auth.hashers.MD5PasswordHasher",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def ann(app):
    return ApiUser(app.url, "ann@example.com")


@pytest.fixture(scope="module")
def ledger(ann):
    status, _, account = ann.call(
        "POST", "/accounts", {"name": "Wallet", "currency": "USD", "opening_balance": "100.00"}
    )
    assert status == 201
    status, _, category = ann.call("POST", "/categories", {"name": "Food", "type": "expense"})
    assert status == 201
    return account["id"], category["id"]


def at_once(count: int, call):
    """Run `call(index)` in `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int):
        barrier.wait(timeout=60)
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_one_idempotency_key_sent_by_many_writers_at_once_writes_once(ann, ledger):
    account_id, category_id = ledger
    body = {
        "account": account_id,
        "category": category_id,
        "type": "expense",
        "amount": "12.50",
        "date": "2026-02-01",
        "description": "concurrent retry",
    }
    key = f"pay-{secrets.token_hex(8)}"
    answers = at_once(
        WRITERS, lambda _: ann.call("POST", "/transactions", body, headers={"Idempotency-Key": key})
    )

    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {201, 409}, statuses
    originals = [a for a in answers if a[0] == 201 and a[1].get("Idempotent-Replayed") is None]
    replays = [a for a in answers if a[0] == 201 and a[1].get("Idempotent-Replayed") == "true"]
    assert len(originals) == 1, statuses
    assert all(replay[2] == originals[0][2] for replay in replays)
    assert all(a[2]["status"] == 409 for a in answers if a[0] == 409)

    status, _, account = ann.call("GET", f"/accounts/{account_id}")
    assert account["balance"] == "87.50"
    status, _, listed = ann.call("GET", f"/transactions?account={account_id}")
    assert listed["count"] == 1
    # Once the first request finished, every repeat is a replay.
    status, headers, again = ann.call("POST", "/transactions", body, headers={"Idempotency-Key": key})
    assert (status, headers.get("Idempotent-Replayed"), again) == (201, "true", originals[0][2])


def test_parallel_refreshes_of_one_token_let_exactly_one_through(app, ann):
    ann.login()
    token = ann.refresh
    answers = at_once(WRITERS, lambda _: ann.call("POST", "/auth/refresh", {"refresh": token}, auth=False))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] + [401] * (WRITERS - 1), statuses
    winner = next(body for status, _, body in answers if status == 200)
    # The new refresh token works once more; the old one stays dead.
    assert ann.call("POST", "/auth/refresh", {"refresh": winner["refresh"]}, auth=False)[0] == 200
    assert ann.call("POST", "/auth/refresh", {"refresh": token}, auth=False)[0] == 401


def test_a_token_signed_with_the_secret_key_is_refused_when_the_signing_key_differs(app, ann):
    ann.login()
    claims = jwt.decode(ann.access, JWT_SIGNING_KEY, algorithms=["HS256"])
    with_secret_key = jwt.encode(claims, app.env["SECRET_KEY"], algorithm="HS256")
    status, headers, body = ann.call(
        "GET", "/auth/me", headers={"Authorization": f"Bearer {with_secret_key}"}
    )
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert body["status"] == 401
    re_signed = jwt.encode(claims, JWT_SIGNING_KEY, algorithm="HS256")
    assert ann.call("GET", "/auth/me", headers={"Authorization": f"Bearer {re_signed}"})[0] == 200


def test_no_secret_reaches_the_logs_or_an_error_body(app, ann):
    # Failures that carry secrets in the request: a wrong password, a bad token, a bad refresh token.
    ann.call("POST", "/auth/login", {"email": ann.email, "password": "wrong-" + ann.password}, auth=False)
    ann.call("GET", "/accounts", headers={"Authorization": f"Bearer {ann.access}x"})
    ann.call("POST", "/auth/refresh", {"refresh": ann.refresh + "x"}, auth=False)
    watched = {
        **ann.secrets(),
        "wrong password": "wrong-" + ann.password,
        "SECRET_KEY": app.env["SECRET_KEY"],
        "JWT_SIGNING_KEY": JWT_SIGNING_KEY,
        "DATABASE_URL": app.env["DATABASE_URL"],
        "REDIS_URL": app.env.get("REDIS_URL", ""),
    }
    logs = app.process.output()
    assert len(logs.splitlines()) > 20
    assert not leaked(logs, watched)
    assert "Bearer " not in logs
    errors = [body for body in ann.bodies if '"status": 4' in body or '"status": 5' in body]
    assert errors
    assert not leaked("\n".join(errors), watched)
    assert all("Traceback" not in json.dumps(body) for body in errors)
