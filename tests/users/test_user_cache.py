"""The per-process user cache: served only while listening, forgotten on PostgreSQL's word.

The first tests drive the cache by hand; the listener tests commit real changes on PostgreSQL and wait
for its notifications (they need committed transactions, hence transactional_db).
"""

import psycopg
import pytest
from django.db import connection

from deploy.local.live import PgBouncer, wait_until
from finance.users import user_cache
from finance.users.models import User
from finance.users.user_cache import Listener, UserCache, connection_params
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class CountingReads:
    def __init__(self, user: User | None):
        self.user = user
        self.count = 0
        self.during_read = None  # called inside the read, as a concurrent change would happen

    def __call__(self, user_id: int) -> User | None:
        self.count += 1
        if self.during_read:
            self.during_read()
        return User.objects.filter(pk=user_id).first()


@pytest.fixture
def cache() -> UserCache:
    cache = UserCache(ttl=300)
    cache.set_listening(True)
    return cache


def test_nothing_is_served_from_memory_unless_listening(user):
    cache, reads = UserCache(ttl=300), CountingReads(user)
    for _ in range(3):
        assert cache.user(user.pk, reads).email == user.email
    assert reads.count == 3
    assert len(cache) == 0


def test_while_listening_a_user_is_read_once_and_each_request_gets_its_own_instance(cache, user):
    reads = CountingReads(user)
    first, second = cache.user(user.pk, reads), cache.user(user.pk, reads)
    assert reads.count == 1
    assert first is not second
    assert (second.pk, second.email, second.password, second.is_active, second.role) == (
        user.pk,
        user.email,
        user.password,
        user.is_active,
        user.role,
    )
    second.email = "changed-in-one-request@example.com"
    assert cache.user(user.pk, reads).email == user.email
    assert cache.user(user.pk, reads)._state.adding is False


def test_a_notification_drops_the_user_and_a_star_drops_everyone(cache, user, other_user):
    reads = CountingReads(user)
    # Tokens carry the id as text, notifications as a number: both name the same entry.
    cache.user(str(user.pk), reads), cache.user(other_user.pk, reads)
    cache.forget(str(user.pk))
    cache.user(user.pk, reads), cache.user(other_user.pk, reads)
    assert reads.count == 3
    cache.forget("*")
    cache.user(user.pk, reads), cache.user(other_user.pk, reads)
    assert reads.count == 5


def test_a_read_that_raced_a_change_is_not_kept(cache, user):
    reads = CountingReads(user)
    reads.during_read = lambda: cache.forget(str(user.pk))
    cache.user(user.pk, reads)
    reads.during_read = None
    cache.user(user.pk, reads)
    assert reads.count == 2


def test_losing_the_listener_empties_the_cache_and_reads_every_time(cache, user):
    reads = CountingReads(user)
    cache.user(user.pk, reads)
    cache.set_listening(False)
    assert len(cache) == 0
    cache.user(user.pk, reads), cache.user(user.pk, reads)
    assert reads.count == 3


def test_entries_expire_after_the_ttl(cache, user, monkeypatch):
    reads = CountingReads(user)
    now = [1000.0]
    monkeypatch.setattr(user_cache.time, "monotonic", lambda: now[0])
    cache.user(user.pk, reads)
    now[0] += 299
    cache.user(user.pk, reads)
    assert reads.count == 1
    now[0] += 2
    cache.user(user.pk, reads)
    assert reads.count == 2


def test_the_cache_is_bounded_and_forgets_the_oldest_first(user):
    cache = UserCache(ttl=300, size=3)
    cache.set_listening(True)
    users = [UserFactory() for _ in range(4)]
    reads = CountingReads(user)
    for member in users:
        cache.user(member.pk, reads)
    assert len(cache) == 3
    cache.user(users[0].pk, reads)  # the oldest was dropped: read again
    assert reads.count == 5


def test_a_missing_user_is_not_remembered(cache):
    reads = CountingReads(None)
    assert cache.user(987654321, reads) is None
    assert cache.user(987654321, reads) is None
    assert reads.count == 2


# --- the listener on a real PostgreSQL ---------------------------------------------------------------------


@pytest.fixture
def listening(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
    cache = UserCache(ttl=300)
    listener = Listener(cache, connection_params()).start()
    wait_until(lambda: cache.listening, timeout=10, what="the listener to connect")
    yield cache, listener
    listener.stop()


def changes_so_far_heard(cache: UserCache) -> None:
    """Wait until the listener has handled every change committed so far.

    PostgreSQL delivers notifications in commit order, so once a marker sent now has been handled, so has
    every earlier one (such as the save the user factory makes after creating a user). The marker names
    no user: handling it drops nothing.
    """
    before = cache.generation
    heard: list[str] = []
    forget = cache.forget

    def recording(payload: str) -> None:
        heard.append(payload)
        forget(payload)

    cache.forget = recording  # type: ignore[method-assign]
    try:
        with psycopg.connect(**connection_params(), autocommit=True) as conn:
            conn.execute("SELECT pg_notify(%s, %s)", [user_cache.CHANNEL, "-1"])
        wait_until(lambda: "-1" in heard, timeout=10, what="the marker notification")
    finally:
        cache.forget = forget  # type: ignore[method-assign]
    assert cache.generation > before


def cached_after_a_read(cache: UserCache, user: User) -> None:
    """The user read once and kept: no notification of an earlier change can arrive after the read."""
    changes_so_far_heard(cache)
    reads = CountingReads(user)
    assert cache.user(user.pk, reads) is not None
    assert reads.count == 1
    assert len(cache) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda u: User.objects.filter(pk=u.pk).update(is_active=False), id="bulk-update"),
        pytest.param(lambda u: (u.set_password("another-horse-battery-7"), u.save()), id="save"),
        pytest.param(lambda u: u.delete(), id="delete"),
        pytest.param(
            lambda u: connection.cursor().execute(
                "UPDATE users_user SET role = 'admin' WHERE id = %s", [u.pk]
            ),
            id="plain-sql",
        ),
    ],
)
def test_a_committed_change_reaches_the_listener(listening, change):
    cache, _ = listening
    user = UserFactory()
    cached_after_a_read(cache, user)
    change(user)
    wait_until(lambda: len(cache) == 0, timeout=10, what="the change notification")


def test_a_rolled_back_change_keeps_the_entry_and_a_truncate_drops_all(listening):
    cache, _ = listening
    user, other = UserFactory(), UserFactory()
    cached_after_a_read(cache, user)
    generation = cache.generation
    with psycopg.connect(**connection_params()) as conn:
        conn.execute("UPDATE users_user SET is_active = false WHERE id = %s", [user.pk])
        conn.rollback()
    # A committed change of another user, sent after the rollback, proves the listener was hearing.
    User.objects.filter(pk=other.pk).update(role="admin")
    wait_until(lambda: cache.generation > generation, timeout=10, what="the committed change")
    assert len(cache) == 1
    with psycopg.connect(**connection_params(), autocommit=True) as conn:
        conn.execute("TRUNCATE users_user CASCADE")
    wait_until(lambda: len(cache) == 0, timeout=10, what="the truncate notification")


def test_a_lost_listener_connection_stops_the_cache_until_it_is_back(listening):
    cache, listener = listening
    user = UserFactory()
    cached_after_a_read(cache, user)
    with psycopg.connect(**connection_params(), autocommit=True) as conn:
        [(terminated,)] = conn.execute("SELECT pg_terminate_backend(%s)", [listener.backend_pid]).fetchall()
    assert terminated
    wait_until(lambda: not cache.listening, timeout=10, what="the listener to notice")
    assert len(cache) == 0
    # Back by itself; changes made while it was away cannot be served stale: it starts empty.
    wait_until(lambda: cache.listening, timeout=30, what="the listener to reconnect")
    cached_after_a_read(cache, user)


def test_a_ttl_of_zero_starts_no_listener_so_every_request_reads(user, monkeypatch):
    monkeypatch.setattr(user_cache, "_listener", None)
    monkeypatch.setattr(user_cache.users, "ttl", 0)
    assert user_cache.start_listening() is None
    assert not user_cache.users.listening
    reads = CountingReads(user)
    user_cache.users.user(user.pk, reads), user_cache.users.user(user.pk, reads)
    assert reads.count == 2


def test_a_listener_behind_pgbouncer_in_transaction_mode_never_trusts_the_cache(transactional_db, user):
    """LISTEN succeeds through the pooler and so does every statement, but no notification comes back: the
    listener must notice that by itself and keep every request reading the database."""
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL")
    direct = connection_params()
    server = f"postgresql://{direct['user']}@{direct.get('host') or '127.0.0.1'}:{direct.get('port') or 5432}"
    bouncer = PgBouncer(f"{server}/{direct['dbname']}")
    try:
        cache = UserCache(ttl=300)
        listener = Listener(cache, {**direct, "host": "127.0.0.1", "port": bouncer.port}).start()
        try:
            wait_until(lambda: listener.pings_sent >= 2, timeout=30, what="two pings sent through PgBouncer")
            assert not cache.listening
            reads = CountingReads(user)
            cache.user(user.pk, reads), cache.user(user.pk, reads)
            assert reads.count == 2
            assert len(cache) == 0
        finally:
            listener.stop()
    finally:
        bouncer.close()


def test_a_listener_that_hears_its_pings_trusts_the_cache_again_after_a_silence(listening):
    cache, listener = listening
    heard = listener.pings_heard
    wait_until(lambda: listener.pings_heard > heard, timeout=30, what="the next ping to come back")
    assert cache.listening
