"""The users behind access tokens, kept in each server process and forgotten when PostgreSQL says so.

Every authenticated request needs its user's row: is the account still active, was the password changed
(the token's revocation claim), what role does it have. Reading it is a database round trip per request,
which on a small machine costs about as much CPU as the rest of a cached report. So server processes keep
the rows they have read, under two rules that keep "deactivated or changed means refused" true:

- PostgreSQL tells every process when a user changes. A trigger on users_user (migration
  0002_notify_user_changes) sends NOTIFY finance_user_changed with the user's id when an UPDATE or DELETE
  commits - the API, the admin, a bulk update and plain SQL alike; TRUNCATE sends "*". Each process
  LISTENs on one extra connection and drops the entry at once; a change reaches every process within
  the time PostgreSQL takes to deliver the notification (milliseconds), not at a later expiry.
- Rows are served only while that connection is proven to hear notifications: it sends itself one every
  few seconds over a second connection and must hear it back in time (a pooler such as PgBouncer in
  transaction mode accepts LISTEN but delivers nothing). When the connection is lost or a notification
  goes unheard, every entry is dropped and each request reads the database until notifications are heard
  again (changes made meanwhile were not heard). docs/adr/0001-user-cache.md has the reasons and figures.

A read that raced a change is not stored (a generation counter moves with every notification), entries
also expire after USER_CACHE_TTL seconds, and each request gets its own instance, so a view that changes
request.user never changes another request's. Only server processes listen (gunicorn's post_worker_init
hook calls start_listening): management commands, Celery workers and in-process tests read the database
on every request, as before.
"""

import secrets
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from finance.core.observability import metrics
from finance.users.models import User

log = structlog.get_logger("finance.users")

CHANNEL = "finance_user_changed"
# The listening connection's name in pg_stat_activity (the app's own connections are "finance-api").
LISTENER_NAME = "finance-api-user-cache"
EVERY_USER = "*"
MAX_ENTRIES = 10_000
# How often an idle listener proves its connection alive (a dead server may leave no error to read) and
# that notifications reach it; a ping not heard back within HEARD_WITHIN seconds stops the cache.
HEARTBEAT_SECONDS = 5.0
HEARD_WITHIN = 3.0
WAKE_SECONDS = 0.5  # how soon a stopped listener notices
RECONNECT_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)
# Connection parameters of Django's that libpq does not know.
_DJANGO_ONLY = ("cursor_factory", "context", "prepare_threshold", "server_side_binding", "pool")


@dataclass(frozen=True)
class _Entry:
    values: tuple
    expires: float


class UserCache:
    """User rows by id, served only while `listening`; safe across threads."""

    def __init__(self, ttl: float, size: int = MAX_ENTRIES):
        self.ttl = ttl
        self.size = size
        self.listening = False
        self.generation = 0
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.Lock()
        self._columns = [field.attname for field in User._meta.concrete_fields]

    def user(self, user_id: int, read: Callable[[int], User | None]) -> User | None:
        """The user with this id: from the cache while it is trustworthy, else `read(user_id)`."""
        if not self.listening:
            return read(user_id)
        user_id = int(user_id)  # tokens carry the id as text; notifications name it as a number
        entry = self._entries.get(user_id)
        if entry is not None and entry.expires > time.monotonic():
            return User.from_db(DEFAULT_DB_ALIAS, self._columns, entry.values)
        generation = self.generation
        user = read(user_id)
        if user is not None:
            values = tuple(getattr(user, column) for column in self._columns)
            with self._lock:
                # Not stored if a change was heard (or the listener lost) since the read began.
                if self.listening and self.generation == generation:
                    self._entries.pop(user_id, None)
                    self._entries[user_id] = _Entry(values, time.monotonic() + self.ttl)
                    while len(self._entries) > self.size:
                        self._entries.pop(next(iter(self._entries)))
        return user

    def forget(self, payload: str) -> None:
        """A notification: one user's id, or "*" for every user."""
        with self._lock:
            self.generation += 1
            if payload == EVERY_USER:
                self._entries.clear()
                return
            try:
                self._entries.pop(int(payload), None)
            except ValueError:  # not ours to understand: drop everything rather than guess
                self._entries.clear()

    def set_listening(self, listening: bool) -> None:
        """Both ways, whatever was stored may have missed a change: start over empty."""
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self.listening = listening

    def __len__(self) -> int:
        return len(self._entries)


users = UserCache(ttl=settings.USER_CACHE_TTL)


def connection_params() -> dict:
    """libpq parameters of the default database, as Django connects to it, under the listener's name."""
    params = connections[DEFAULT_DB_ALIAS].get_connection_params()
    for name in _DJANGO_ONLY:
        params.pop(name, None)
    params["application_name"] = LISTENER_NAME
    return params


class Listener:
    """A daemon thread that LISTENs for user changes and keeps `cache.listening` true while it is sure to hear
    them (and the finance_user_cache_listening gauge with it).

    Being connected is not enough: behind a pooler that does not deliver notifications (PgBouncer in
    transaction mode) LISTEN and every statement still succeed while nothing is ever heard. So the listener
    proves it hears: every HEARTBEAT_SECONDS a second connection sends a notification on a channel of this
    listener's own, and the cache is trusted only while each of them comes back within HEARD_WITHIN seconds.
    """

    def __init__(self, cache: UserCache, params: dict[str, Any]):
        self.cache = cache
        self.params = params
        self.stopped = threading.Event()
        self.backend_pid: int | None = None  # the listening connection's server process
        # Channel names are identifiers: lower case, at most 63 bytes.
        self.ping_channel = f"{CHANNEL}_ping_{secrets.token_hex(8)}"
        self.pings_sent = 0
        self.pings_heard = 0
        self.thread = threading.Thread(target=self._run, name="user-cache-listener", daemon=True)

    def start(self) -> "Listener":
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stopped.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while not self.stopped.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as exc:  # any failure: serve from the database until listening again
                log.warning("user_cache.listener_lost", error=type(exc).__name__)
                failures += 1
            finally:
                self._set_listening(False)
            self.stopped.wait(RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)])

    def _set_listening(self, listening: bool) -> None:
        if listening != self.cache.listening:
            self.cache.set_listening(listening)
            if listening:
                log.info("user_cache.listening")
        metrics.USER_CACHE_LISTENING.set(int(listening))

    def _heard(self, notification: psycopg.Notify) -> None:
        if notification.channel == self.ping_channel:
            self.pings_heard = max(self.pings_heard, int(notification.payload))
        else:
            self.cache.forget(notification.payload)

    def _listen(self) -> None:
        # Notifications are read by running a statement when the socket has something to read (or as the
        # heartbeat), and reach the handler from there: waiting inside psycopg's notifies() with a timeout
        # never returned in gunicorn's workers.
        with (
            psycopg.connect(**self.params, autocommit=True) as conn,
            psycopg.connect(**self.params, autocommit=True) as sender,
        ):
            conn.add_notify_handler(self._heard)
            conn.execute(f"LISTEN {CHANNEL}")
            conn.execute(f"LISTEN {self.ping_channel}")
            self.backend_pid = conn.info.backend_pid
            self.pings_heard = self.pings_sent  # a ping lost with an earlier connection is not awaited
            sent_at, next_ping, warned = 0.0, 0.0, False
            checked = time.monotonic()
            while not self.stopped.is_set():
                now = time.monotonic()
                if self.pings_sent == self.pings_heard and now >= next_ping:
                    self.pings_sent, sent_at = self.pings_sent + 1, now
                    sender.execute("SELECT pg_notify(%s, %s)", [self.ping_channel, str(self.pings_sent)])
                readable, _, _ = select.select([conn.fileno()], [], [], WAKE_SECONDS)
                if readable or time.monotonic() - checked >= HEARTBEAT_SECONDS:
                    # Delivers what arrived to the handler; raises on a connection that died.
                    conn.execute("SELECT 1")
                    checked = time.monotonic()
                now = time.monotonic()
                if self.pings_sent == self.pings_heard and next_ping <= sent_at:  # the ping just came back
                    self._set_listening(True)
                    next_ping, warned = sent_at + HEARTBEAT_SECONDS, False
                elif self.pings_sent != self.pings_heard and now - sent_at > HEARD_WITHIN:
                    if not warned:
                        log.warning("user_cache.notifications_unheard", waited_s=round(now - sent_at, 1))
                        warned = True
                    self._set_listening(False)
                    self.pings_heard = self.pings_sent  # give up on this one; the next may be heard again
                    next_ping = now + HEARTBEAT_SECONDS


_listener: Listener | None = None


def start_listening() -> Listener | None:
    """Start this process's listener (once). Without PostgreSQL or with USER_CACHE_TTL=0: nothing to do."""
    global _listener
    if _listener is not None:
        return _listener
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql" or users.ttl <= 0:
        return None
    _listener = Listener(users, connection_params()).start()
    return _listener
