"""PostgreSQL under stress and faults, against gunicorn (2 workers x 4 threads), one stack for the module.

* Parallel creates, edits, moves and deletes across two accounts of one user: no deadlock (no 5xx/503)
  and no lost update (every balance equals opening + income - expense, in the API and in the database).
* The app's database connections are terminated (pg_terminate_backend, application_name 'finance-api')
  again and again while requests run: every answer is a success or a clean 503 problem+json - never a 500
  or an HTML page - and the requests after the faults succeed without restarting the app. Writes are
  retried with their Idempotency-Key, and every key ends up written exactly once.

The machine's PostgreSQL server itself is never restarted: terminating backends is the injected fault.
"""

import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from deploy.local.live import ApiUser, leaked, postgres_url, running_app, wait_until

pytestmark = [pytest.mark.process, pytest.mark.postgres]

WRITERS = 8
OPERATIONS_PER_WRITER = 30
HOT_ROWS = 4
FAULT_ROUNDS = 6
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def app():
    if postgres_url() is None:
        pytest.skip("needs PostgreSQL: row locks under real concurrency, and backends to terminate")
    with running_app(workers=2, threads=4, PASSWORD_HASHERS=FAST_HASHER) as server:
        yield server


@pytest.fixture(scope="module")
def user(app):
    return ApiUser(app.url, "pg-faults@example.com")


def sql(app, query: str, *params):
    import psycopg

    with psycopg.connect(app.env["DATABASE_URL"], autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def invariant_violations(app) -> list:
    """Accounts whose stored balance differs from opening + income - expense, straight from the tables."""
    return sql(
        app,
        """
        SELECT a.id, a.balance, a.opening_balance
             + COALESCE(SUM(t.amount) FILTER (WHERE t.type = 'income'), 0)
             - COALESCE(SUM(t.amount) FILTER (WHERE t.type = 'expense'), 0)
        FROM accounts_account a LEFT JOIN transactions_transaction t ON t.account_id = a.id
        GROUP BY a.id HAVING a.balance <> a.opening_balance
             + COALESCE(SUM(t.amount) FILTER (WHERE t.type = 'income'), 0)
             - COALESCE(SUM(t.amount) FILTER (WHERE t.type = 'expense'), 0)
        """,
    )


def database_errors(app) -> str:
    return "\n".join(line for line in app.process.output().splitlines() if "database.unavailable" in line)


def setup_ledger(user: ApiUser, name: str) -> tuple[list[int], dict[str, int]]:
    accounts = []
    for index in range(2):
        status, _, account = user.call(
            "POST", "/accounts", {"name": f"{name} {index}", "currency": "USD", "opening_balance": "1000.00"}
        )
        assert status == 201
        accounts.append(account["id"])
    categories = {}
    for kind in ("income", "expense"):
        status, _, category = user.call("POST", "/categories", {"name": f"{name} {kind}", "type": kind})
        assert status == 201
        categories[kind] = category["id"]
    return accounts, categories


def api_balance_check(user: ApiUser, account_ids: list[int]) -> None:
    """Through the API: each balance equals opening + the signed amounts of its listed transactions."""
    for account_id in account_ids:
        _, _, account = user.call("GET", f"/accounts/{account_id}")
        total = Decimal(account["opening_balance"])
        page = 1
        while True:
            _, _, listed = user.call("GET", f"/transactions?account={account_id}&page={page}&page_size=100")
            for tx in listed["results"]:
                total += Decimal(tx["amount"]) if tx["type"] == "income" else -Decimal(tx["amount"])
            if not listed["next"]:
                break
            page += 1
        assert Decimal(account["balance"]) == total, account


def test_parallel_writes_across_two_accounts_neither_deadlock_nor_lose_updates(app, user):
    accounts, categories = setup_ledger(user, "parallel")
    created: list[int] = []
    lock = threading.Lock()

    def writer(seed: int) -> list[tuple[str, int]]:
        rng = random.Random(seed)
        answers = []
        for _ in range(OPERATIONS_PER_WRITER):
            with lock:
                # The few newest transactions: writers collide on the same rows, moving them to and fro.
                pool = created[-HOT_ROWS:]
            roll = rng.random()
            if pool and roll < 0.25:
                tx = rng.choice(pool)
                kind = rng.choice(["income", "expense"])
                change = {
                    "account": rng.choice(accounts),  # often moves it to the other account: two rows locked
                    "type": kind,
                    "category": categories[kind],
                    "amount": f"{rng.randint(1, 50000) / 100:.2f}",
                }
                status = user.call("PATCH", f"/transactions/{tx}", change)[0]
                answers.append(("PATCH", status))
            elif pool and roll < 0.4:
                status = user.call("DELETE", f"/transactions/{rng.choice(pool)}")[0]
                answers.append(("DELETE", status))
            else:
                kind = rng.choice(["income", "expense"])
                status, _, body = user.call(
                    "POST",
                    "/transactions",
                    {
                        "account": rng.choice(accounts),
                        "category": categories[kind],
                        "type": kind,
                        "amount": f"{rng.randint(1, 50000) / 100:.2f}",
                        "date": "2026-04-01",
                    },
                )
                answers.append(("POST", status))
                if status == 201:
                    with lock:
                        created.append(body["id"])
        return answers

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = [answer for batch in pool.map(writer, range(WRITERS)) for answer in batch]

    assert len(answers) == WRITERS * OPERATIONS_PER_WRITER
    # 404: an edit or delete of a transaction another writer deleted first; 409: one moved three times
    # while being locked (the service asks to retry). A deadlock would surface as 503.
    unexpected = [answer for answer in answers if answer[1] not in {200, 201, 204, 404, 409}]
    assert not unexpected, database_errors(app)
    assert sum(1 for method, status in answers if method == "PATCH" and status == 200) > 10
    api_balance_check(user, accounts)
    assert not invariant_violations(app)


def app_backends(app) -> list[int]:
    database = urlsplit(app.env["DATABASE_URL"]).path.lstrip("/")
    rows = sql(
        app,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'finance-api' AND datname = %s",
        database,
    )
    return [pid for (pid,) in rows]


def terminate_app_backends(app) -> int:
    database = urlsplit(app.env["DATABASE_URL"]).path.lstrip("/")
    rows = sql(
        app,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = 'finance-api' AND datname = %s",
        database,
    )
    return sum(1 for (done,) in rows if done)


def is_clean_problem(status: int, headers, body) -> bool:
    return (
        status == 503
        and headers.get("Content-Type") == "application/problem+json"
        and isinstance(body, dict)
        and body.get("status") == 503
        and headers.get("Retry-After") is not None
    )


def test_terminated_connections_give_clean_503s_and_the_app_recovers_by_itself(app, user):
    accounts, categories = setup_ledger(user, "faults")
    stop = threading.Event()
    bad: list = []
    written_keys: set[str] = set()
    counts = {"requests": 0, "503": 0}
    lock = threading.Lock()

    def check(answer) -> bool:
        status, headers, body = answer
        with lock:
            counts["requests"] += 1
            counts["503"] += status == 503
        if status in {200, 201}:
            return True
        if not is_clean_problem(status, headers, body):
            bad.append((status, headers.get("Content-Type"), json.dumps(body)[:300]))
        return False

    def writer(index: int) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            key = f"writer-{index}-{number}"
            body = {
                "account": accounts[number % 2],
                "category": categories["expense"],
                "type": "expense",
                "amount": "2.50",
                "date": "2026-05-01",
            }
            # A client that retries its write with the same key until it gets an answer.
            for _attempt in range(50):
                answer = user.call("POST", "/transactions", body, headers={"Idempotency-Key": key})
                if check(answer):
                    written_keys.add(key)
                    break
            check(user.call("GET", f"/reports/summary?from=2026-05-01&to=2026-05-31&account={accounts[0]}"))

    threads = [threading.Thread(target=writer, args=(index,), daemon=True) for index in range(4)]
    for thread in threads:
        thread.start()
    terminated = 0
    try:
        for _ in range(FAULT_ROUNDS):
            wait_until(lambda: len(app_backends(app)) > 0, timeout=30, what="the app to reconnect")
            served = counts["requests"]
            wait_until(lambda s=served: counts["requests"] >= s + 10, timeout=60, what="requests to flow")
            terminated += terminate_app_backends(app)
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)

    assert terminated >= FAULT_ROUNDS
    assert not bad, bad[:5]
    # Without restarting anything, the next requests all succeed.
    for index in range(10):
        assert user.call("GET", f"/accounts/{accounts[index % 2]}")[0] == 200
        status, _, _ = user.call(
            "POST",
            "/transactions",
            {
                "account": accounts[0],
                "category": categories["income"],
                "type": "income",
                "amount": "1.00",
                "date": "2026-05-02",
            },
        )
        assert status == 201
    # Each write key produced exactly one row, however many times it was retried.
    rows = sql(
        app,
        "SELECT count(*) FROM transactions_transaction WHERE date = '2026-05-01' AND account_id = ANY(%s)",
        accounts,
    )
    assert rows[0][0] == len(written_keys)
    api_balance_check(user, accounts)
    assert not invariant_violations(app)


def test_no_secret_reaches_the_logs_or_an_error_body(app, user):
    watched = {**user.secrets(), "DATABASE_URL": app.env["DATABASE_URL"], "SECRET_KEY": app.env["SECRET_KEY"]}
    watched["REDIS_URL"] = app.env.get("REDIS_URL", "")
    logs = app.process.output()
    assert "database.unavailable" in logs  # the faults were logged...
    assert not leaked(logs, watched)  # ...without a secret
    assert "Bearer " not in logs
    assert not leaked("\n".join(user.bodies), {k: v for k, v in watched.items() if not k.startswith("token")})
