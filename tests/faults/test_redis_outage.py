"""Redis goes away under load and comes back: the API keeps answering, correctly, without a single 5xx.

The app runs under gunicorn against a private redis-server that the test stops mid-stream and restarts.
While it is down, reports are computed instead of cached, logins work, /health/ready says "degraded", and
the failed-login guard and DRF throttles fail open (the documented choice: nginx's limits still apply).
"""

import threading
from decimal import Decimal

import pytest

from deploy.local.live import ApiUser, RedisServer, http, leaked, running_app, wait_until

pytestmark = pytest.mark.process

STREAM_ROUNDS_PER_PHASE = 5
# Every round logs in; PBKDF2's deliberate cost would only slow the stream down, not test anything here.
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def redis():
    try:
        server = RedisServer()
    except RuntimeError as error:
        pytest.skip(str(error))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(redis):
    with running_app(
        REDIS_URL=redis.url, THROTTLE_LOGIN_RATE="1000/min", PASSWORD_HASHERS=FAST_HASHER
    ) as server:
        yield server


def ready(app) -> tuple[int, dict]:
    status, _, body = http("GET", f"{app.url}/health/ready")
    return status, body


class Stream:
    """One client in a loop: write a transaction, read the report, log in - checking every answer."""

    def __init__(self, user: ApiUser, account_id: int, category_id: int):
        self.user = user
        self.account_id = account_id
        self.category_id = category_id
        self.expense = Decimal(0)
        self.answers: list[tuple[str, int]] = []
        self.wrong_reports: list[dict] = []
        self.rounds = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            status, _, body = self.user.call(
                "POST",
                "/transactions",
                {
                    "account": self.account_id,
                    "category": self.category_id,
                    "type": "expense",
                    "amount": "1.25",
                    "date": "2026-03-01",
                },
            )
            self.answers.append(("POST /transactions", status))
            if status == 201:
                self.expense += Decimal(body["amount"])
            # Twice: the second read is a cache hit whenever Redis is up, so hits are checked too.
            for _ in range(2):
                status, _, report = self.user.call("GET", "/reports/summary?from=2026-03-01&to=2026-03-31")
                self.answers.append(("GET /reports/summary", status))
                if status == 200 and Decimal(report["expense"]) != self.expense:
                    self.wrong_reports.append({"expected": str(self.expense), "got": report["expense"]})
            status, _, _ = self.user.call(
                "POST", "/auth/login", {"email": self.user.email, "password": self.user.password}, auth=False
            )
            self.answers.append(("POST /auth/login", status))
            self.rounds += 1

    def wait_rounds(self, count: int) -> None:
        target = self.rounds + count
        wait_until(lambda: self.rounds >= target, timeout=60, what=f"{count} more rounds of requests")


def test_the_api_rides_out_a_redis_outage(app, redis):
    user = ApiUser(app.url, "redis-outage@example.com")
    _, _, account = user.call("POST", "/accounts", {"name": "Wallet", "currency": "EUR"})
    _, _, category = user.call("POST", "/categories", {"name": "Coffee", "type": "expense"})
    assert ready(app) == (200, {"status": "ok", "checks": {"database": "ok", "cache": "ok"}})

    stream = Stream(user, account["id"], category["id"])
    stream.thread.start()
    try:
        stream.wait_rounds(STREAM_ROUNDS_PER_PHASE)

        redis.stop()
        wait_until(lambda: ready(app)[1]["status"] == "degraded", timeout=30, what="ready to say degraded")
        assert ready(app) == (200, {"status": "degraded", "checks": {"database": "ok", "cache": "down"}})
        stream.wait_rounds(STREAM_ROUNDS_PER_PHASE)

        redis.start()
        wait_until(lambda: ready(app)[1]["status"] == "ok", timeout=30, what="ready to say ok again")
        stream.wait_rounds(STREAM_ROUNDS_PER_PHASE)
    finally:
        stream.stopping.set()
        stream.thread.join(60)

    server_errors = [answer for answer in stream.answers if answer[1] >= 500]
    assert not server_errors
    assert {status for _, status in stream.answers} == {200, 201}
    assert stream.rounds >= 3 * STREAM_ROUNDS_PER_PHASE
    assert not stream.wrong_reports
    _, _, report = user.call("GET", "/reports/summary?from=2026-03-01&to=2026-03-31")
    assert Decimal(report["expense"]) == stream.expense
    _, _, balance = user.call("GET", f"/accounts/{account['id']}")
    assert Decimal(balance["balance"]) == -stream.expense

    logs = app.process.output()
    assert not leaked(
        logs, {**user.secrets(), "REDIS_URL": redis.url, "DATABASE_URL": app.env["DATABASE_URL"]}
    )


def test_failed_login_limits_fail_open_while_redis_is_down_and_hold_when_it_is_up(app, redis):
    user = ApiUser(app.url, "guarded@example.com")
    wrong = {"email": user.email, "password": "not-the-password-1"}

    redis.stop()
    try:
        statuses = [user.call("POST", "/auth/login", wrong, auth=False)[0] for _ in range(8)]
        # Without the cache nothing is counted: every attempt is judged on the password alone.
        assert statuses == [401] * 8
        assert (
            user.call("POST", "/auth/login", {"email": user.email, "password": user.password}, auth=False)[0]
            == 200
        )
    finally:
        redis.start()
    wait_until(lambda: ready(app)[1]["status"] == "ok", timeout=30, what="ready to say ok again")

    statuses = [user.call("POST", "/auth/login", wrong, auth=False)[0] for _ in range(8)]
    assert 429 in statuses
    assert statuses[0] == 401
