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
- Rows are served only while that connection listens. When it is lost, every entry is dropped and each
  request reads the database until the listener has reconnected (changes made meanwhile were not heard).

A read that raced a change is not stored (a generation counter moves with every notification), entries
also expire after USER_CACHE_TTL seconds, and each request gets its own instance, so a view that changes
request.user never changes another request's. Only server processes listen (gunicorn's post_worker_init
hook calls start_listening): management commands, Celery workers and in-process tests read the database
on every request, as before.
"""

import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from finance.core import metrics
from finance.users.models import User

log = structlog.get_logger("finance.users")

CHANNEL = "finance_user_changed"
# The listening connection's name in pg_stat_activity (the app's own connections are "finance-api").
LISTENER_NAME = "finance-api-user-cache"
EVERY_USER = "*"
MAX_ENTRIES = 10_000
# How often an idle listener proves its connection alive (a dead server may leave no error to read).
HEARTBEAT_SECONDS = 5.0
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
    """A daemon thread that LISTENs for user changes and keeps `cache.listening` true while it does (and the
    finance_user_cache_listening gauge with it)."""

    def __init__(self, cache: UserCache, params: dict):
        self.cache = cache
        self.params = params
        self.stopped = threading.Event()
        self.backend_pid: int | None = None  # the listening connection's server process
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
        self.cache.set_listening(listening)
        metrics.USER_CACHE_LISTENING.set(int(listening))

    def _listen(self) -> None:
        # Notifications are read by running a statement when the socket has something to read (or as the
        # heartbeat), and reach the handler from there: waiting inside psycopg's notifies() with a timeout
        # never returned in gunicorn's workers.
        with psycopg.connect(**self.params, autocommit=True) as conn:
            conn.add_notify_handler(lambda notification: self.cache.forget(notification.payload))
            conn.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = conn.info.backend_pid
            self._set_listening(True)
            log.info("user_cache.listening")
            checked = time.monotonic()
            while not self.stopped.is_set():
                readable, _, _ = select.select([conn.fileno()], [], [], WAKE_SECONDS)
                if readable or time.monotonic() - checked >= HEARTBEAT_SECONDS:
                    # Delivers what arrived to the handler; raises on a connection that died.
                    conn.execute("SELECT 1")
                    checked = time.monotonic()


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
