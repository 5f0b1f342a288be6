"""SIGTERM to gunicorn while writers are busy: a graceful stop loses nothing and cuts no answer in half.

Every request either got a complete answer or no answer at all (refused or reset before a byte came
back), and the rows committed are exactly the ones answered 201 - no accepted write is lost, and none was
written behind a client's back.
"""

import http.client
import signal
import threading
import urllib.error
from decimal import Decimal

import pytest

from deploy.local.live import ApiUser, leaked, running_app, wait_until

pytestmark = pytest.mark.process

WRITERS = 8
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
# A request that got no answer because the server was going away: nothing came back, nothing to check.
NO_ANSWER = (
    ConnectionRefusedError,
    ConnectionResetError,
    http.client.RemoteDisconnected,
    urllib.error.URLError,
)


def committed(app, account_id: int) -> tuple[set[int], bool]:
    """(ids of the account's transactions, balance == opening + income - expense) from the database."""
    database_url = app.env["DATABASE_URL"]
    if database_url.startswith("sqlite"):
        import sqlite3

        connect = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        placeholder = "?"
    else:
        import psycopg

        connect = psycopg.connect(database_url)
        placeholder = "%s"
    with connect as conn:
        ids = {
            row[0]
            for row in conn.execute(
                f"SELECT id FROM transactions_transaction WHERE account_id = {placeholder}", (account_id,)
            ).fetchall()
        }
        balance, expected = conn.execute(
            f"""SELECT a.balance, a.opening_balance - COALESCE((SELECT SUM(t.amount)
                FROM transactions_transaction t WHERE t.account_id = a.id), 0)
                FROM accounts_account a WHERE a.id = {placeholder}""",
            (account_id,),
        ).fetchone()
    return ids, Decimal(str(balance)) == Decimal(str(expected))


def test_sigterm_under_load_finishes_accepted_writes_and_loses_none():
    with running_app(
        workers=2, threads=4, PASSWORD_HASHERS=FAST_HASHER, GUNICORN_GRACEFUL_TIMEOUT="20"
    ) as app:
        user = ApiUser(app.url, "sigterm@example.com")
        _, _, account = user.call(
            "POST", "/accounts", {"name": "Wallet", "currency": "USD", "opening_balance": "0"}
        )
        _, _, category = user.call("POST", "/categories", {"name": "Rent", "type": "expense"})
        body = {
            "account": account["id"],
            "category": category["id"],
            "type": "expense",
            "amount": "3.00",
            "date": "2026-06-01",
        }

        created: list[int] = []
        broken: list[str] = []
        unanswered: list[str] = []
        other: list[int] = []
        lock = threading.Lock()

        def writer() -> None:
            while True:
                try:
                    status, _, answer = user.call("POST", "/transactions", body, timeout=60)
                except NO_ANSWER as error:
                    with lock:
                        (unanswered if terminating.is_set() else broken).append(repr(error))
                    return
                except Exception as error:  # an answer that started but did not finish
                    with lock:
                        broken.append(repr(error))
                    return
                with lock:
                    if status == 201 and isinstance(answer, dict) and answer.get("amount") == "3.00":
                        created.append(answer["id"])
                    else:
                        other.append(status)

        terminating = threading.Event()
        threads = [threading.Thread(target=writer, daemon=True) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        wait_until(lambda: len(created) >= 40, timeout=60, what="writes to flow")
        terminating.set()
        app.process.send(signal.SIGTERM)
        exit_code = app.process.popen.wait(60)
        for thread in threads:
            thread.join(60)

        assert exit_code == 0, app.process.output()[-4000:]
        assert not broken
        assert not other
        ids, balanced = committed(app, account["id"])
        assert ids == set(created)
        assert len(created) == len(set(created))
        assert balanced
        logs = app.process.output()
        assert "Handling signal: term" in logs
        watched = {
            **user.secrets(),
            "DATABASE_URL": app.env["DATABASE_URL"],
            "REDIS_URL": app.env.get("REDIS_URL", ""),
        }
        assert not leaked(logs, watched)
