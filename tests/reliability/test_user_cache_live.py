"""Against gunicorn (2 workers x 4 threads) on PostgreSQL: the users served from memory by each worker stop
being served the moment they change, whichever worker or tool changed them.

Each check sends many requests after the change, so both workers (and their threads) answer some of them;
a worker still holding the old row would let one through.
"""

import pytest

from deploy.local.live import ApiUser, metric_value, postgres_url, running_app, wait_until
from finance.users.user_cache import LISTENER_NAME

pytestmark = [pytest.mark.process, pytest.mark.postgres]

REQUESTS_AFTER = 40


@pytest.fixture(scope="module")
def app():
    if postgres_url() is None:
        pytest.skip("needs PostgreSQL: the workers hear user changes through LISTEN/NOTIFY")
    with running_app(workers=2, threads=4) as server:
        wait_until(
            lambda: sum(line.get("event") == "user_cache.listening" for line in server.process.json_lines())
            >= 2,
            timeout=30,
            what="both workers to listen for user changes",
        )
        yield server


def listening_workers(app) -> float:
    """What /metrics says: the workers serving users from memory, summed over the live workers."""
    return metric_value(app.url, "finance_user_cache_listening")


def sql(app, query: str, *params) -> None:
    import psycopg

    with psycopg.connect(app.env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(query, params)


def statuses(user: ApiUser, count: int = REQUESTS_AFTER) -> set[int]:
    return {user.call("GET", "/auth/me")[0] for _ in range(count)}


def warmed(app, email: str) -> ApiUser:
    user = ApiUser(app.url, email)
    assert statuses(user) == {200}  # kept by every worker that served one of these
    return user


def test_a_user_deactivated_with_plain_sql_is_refused_by_every_worker(app):
    assert listening_workers(app) == 2
    user = warmed(app, "cache-sql@example.com")
    sql(app, "UPDATE users_user SET is_active = false WHERE email = %s", user.email)
    # The notification travels asynchronously; once one request is refused, none may pass again.
    wait_until(lambda: user.call("GET", "/auth/me")[0] == 401, timeout=5, what="the first refusal")
    assert statuses(user) == {401}


def test_a_password_changed_through_the_api_revokes_the_old_token_in_every_worker(app):
    user = warmed(app, "cache-password@example.com")
    old = user.access
    status, _, _ = user.call(
        "POST",
        "/auth/password",
        {"current_password": user.password, "new_password": "another-horse-battery-7"},
    )
    assert status == 204
    user.access = old
    wait_until(lambda: user.call("GET", "/auth/me")[0] == 401, timeout=5, what="the first refusal")
    assert statuses(user) == {401}


def test_workers_that_lose_their_listener_read_the_database_and_listen_again(app):
    user = warmed(app, "cache-reconnect@example.com")
    sql(
        app,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = %s",
        LISTENER_NAME,
    )
    wait_until(
        lambda: sum(line.get("event") == "user_cache.listener_lost" for line in app.process.json_lines())
        >= 2,
        timeout=10,
        what="both workers to notice",
    )
    # Deactivated while nobody listens: no worker may serve its old row.
    sql(app, "UPDATE users_user SET is_active = false WHERE email = %s", user.email)
    assert statuses(user) == {401}
    wait_until(
        lambda: sum(line.get("event") == "user_cache.listening" for line in app.process.json_lines()) >= 4,
        timeout=30,
        what="both workers to listen again",
    )
    assert listening_workers(app) == 2
    sql(app, "UPDATE users_user SET is_active = true WHERE email = %s", user.email)
    wait_until(lambda: user.call("GET", "/auth/me")[0] == 200, timeout=5, what="reactivation")
    assert statuses(user) == {200}
