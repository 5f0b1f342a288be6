"""The PostgreSQL backend's health check: free for a quiet idle connection, real when the server went away."""

import psycopg
import pytest
from django.db import connection, connections

from deploy.local.live import postgres_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the health check under test is the PostgreSQL backend's")


@pytest.fixture
def checks(monkeypatch):
    """Counts the SELECT 1 round trips of Django's own check and starts a new 'request' each time."""
    calls = []
    wrapper = connections["default"]
    original = type(wrapper).is_usable

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(type(wrapper), "is_usable", counting)
    monkeypatch.setattr(wrapper, "health_check_enabled", True)

    def next_request():
        wrapper.health_check_done = False  # what Django does when a request starts

    return calls, next_request


def server_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_quiet_idle_connection_is_reused_without_a_round_trip(checks):
    calls, next_request = checks
    first = server_pid()
    for _ in range(3):
        next_request()
        assert server_pid() == first
    assert calls == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(checks):
    calls, next_request = checks
    victim = server_pid()
    with psycopg.connect(postgres_url(), autocommit=True) as admin:
        # With a timeout, pg_terminate_backend returns once the backend process has exited.
        assert admin.execute("SELECT pg_terminate_backend(%s, 30000)", [victim]).fetchone()[0]
    next_request()
    replacement = server_pid()  # no error: the check noticed and reconnected
    assert replacement != victim
    assert calls == [1]  # the socket had the server's goodbye, so Django's SELECT 1 decided
