"""gunicorn whose database connections go through PgBouncer in transaction mode - the most common production
pooler, which accepts LISTEN but never delivers a notification. The workers must notice that they hear
nothing, say so on /metrics, and read the user on every request, so a deactivated user is refused at once.
"""

import psycopg
import pytest

from deploy.local.live import (
    ApiUser,
    Gunicorn,
    PgBouncer,
    app_env,
    live_database,
    metric_value,
    migrate,
    postgres_url,
    wait_until,
)

pytestmark = [pytest.mark.process, pytest.mark.postgres]


@pytest.fixture(scope="module")
def app():
    if postgres_url() is None:
        pytest.skip("needs PostgreSQL: PgBouncer pools its connections")
    with live_database() as direct_url:
        env = app_env(direct_url)
        migrate(env)
        bouncer = PgBouncer(direct_url)
        # Server-side cursors do not survive transaction pooling (Django's documented setting for it).
        pooled = {**env, "DATABASE_URL": bouncer.url, "DB_SERVER_SIDE_CURSORS": "false"}
        server = Gunicorn(pooled, workers=2, threads=4)
        server.direct_url = direct_url
        try:
            yield server
        finally:
            server.close()
            bouncer.close()


def listening_workers(app) -> float:
    """What /metrics says: the workers serving users from memory, summed over the live workers."""
    return metric_value(app.url, "finance_user_cache_listening")


def test_workers_that_hear_no_notifications_refuse_a_deactivated_user_at_once(app):
    wait_until(
        lambda: sum(
            line.get("event") == "user_cache.notifications_unheard" for line in app.process.json_lines()
        )
        >= 2,
        timeout=30,
        what="both workers to notice that their notifications never come back",
    )
    assert listening_workers(app) == 0
    assert not any(line.get("event") == "user_cache.listening" for line in app.process.json_lines())

    user = ApiUser(app.url, "pooled@example.com")
    assert {user.call("GET", "/auth/me")[0] for _ in range(20)} == {200}
    with psycopg.connect(app.direct_url, autocommit=True) as conn:
        conn.execute("UPDATE users_user SET is_active = false WHERE email = %s", [user.email])
    wait_until(
        lambda: user.call("GET", "/auth/me")[0] == 401, timeout=10, what="the deactivated user refused"
    )
    assert {user.call("GET", "/auth/me")[0] for _ in range(40)} == {401}
