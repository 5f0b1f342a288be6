"""Per-user figure cache: reports and list counts, one entry per user, kind and parameters, made stale in
O(1) by a per-user version.

Every writer of a user's figures (transactions, categories, accounts, and whatever comes next) calls
`invalidate(user_id)`; readers wrap what they compute in `cached_report` or `cached_count`. It lives in core,
below every app, so that any writer may import it.

Every entry carries the version of the user's figures it was computed from. A read fetches the user's
current version and the entry in one round trip (get_many: one MGET on Redis) and serves the entry only
when the two versions match. A write sets a new, random version (one SET, nothing read first), which makes
every older entry of the user stale at once. The TTL (REPORT_CACHE_TTL) removes entries and is the backstop
if an invalidation is lost during a cache outage. Any cache error degrades to a miss.
docs/adr/0003-figure-cache.md has the reasons and the measured gain.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from finance.core.observability import metrics

log = structlog.get_logger("finance.reports")
VERSION_TTL = 60 * 60 * 24 * 30
INITIAL_VERSION = 0
COUNT_TTL = 120
# Part of every entry's key: a release that changes what entries hold (2: the rendered JSON text of a report,
# not its dict) never reads the entries of the release before it.
ENTRY_FORMAT = 2


def _version_key(user_id: int) -> str:
    return f"report-version:{user_id}"


def entry_key(user_id: int, report: str, params: dict[str, Any]) -> str:
    encoded = ":".join(
        f"{name}={params[name] if params[name] is not None else ''}" for name in sorted(params)
    )
    return f"report:v{ENTRY_FORMAT}:{user_id}:{report}:{encoded}"


def _versioned(user_id: int, key: str, compute: Callable[[], Any], timeout: int) -> tuple[Any, bool]:
    """(value, hit): the entry stored under `key` if it was computed at the user's current version, else
    a freshly computed value, stored for next time."""
    version_key = _version_key(user_id)
    try:
        found = cache.get_many([version_key, key])
        reachable = True
    except Exception:  # a cache outage must never fail a request
        found, reachable = {}, False
    version = found.get(version_key, INITIAL_VERSION)
    entry = found.get(key)
    if isinstance(entry, dict) and entry.get("version") == version and "value" in entry:
        return entry["value"], True
    value = compute()
    if reachable:
        try:
            cache.set(key, {"version": version, "value": value}, timeout=timeout)
        except Exception:
            log.warning("report.cache_store_failed", key=key.split(":", 2)[0])
    return value, False


def cached_report(
    *, user_id: int, report: str, params: dict[str, Any], compute: Callable[[], Any]
) -> tuple[Any, bool]:
    """Return (report, hit). A miss computes, stores and returns the fresh report."""
    spent: list[float] = []

    def timed() -> Any:
        started = time.perf_counter()
        try:
            return compute()
        finally:
            spent.append(time.perf_counter() - started)

    value, hit = _versioned(
        user_id, entry_key(user_id, report, params), timed, timeout=settings.REPORT_CACHE_TTL
    )
    result = "hit" if hit else "miss"
    metrics.REPORT_CACHE.labels(report=report, result=result).inc()
    # On the request's own log line (request.finished) rather than a line of its own: a second JSON line per
    # report read cost about as much as computing a small report. A miss also says how long computing took.
    fields: dict[str, Any] = {"report": report, "report_cache": result}
    if spent:
        fields["report_ms"] = round(spent[0] * 1000, 2)
    structlog.contextvars.bind_contextvars(**fields)
    return value, hit


def cached_count(*, user_id: int, list_name: str, params: dict[str, Any], compute: Callable[[], int]) -> int:
    """The length of one of the user's lists (for its pagination), kept like the reports: every write
    that changes the user's figures makes it stale. A short TTL bounds the damage of a lost invalidation."""
    key = entry_key(user_id, list_name, params).replace("report:", "count:", 1)
    return _versioned(user_id, key, compute, timeout=COUNT_TTL)[0]


def new_version() -> int:
    """A random 62-bit integer: unique without reading the old one, and still an integer for tools and
    earlier releases that increment it."""
    return uuid.uuid4().int >> 66


def invalidate(user_id: int) -> None:
    """Make every cached report of the user stale (after the surrounding transaction commits)."""

    def bump() -> None:
        try:
            cache.set(_version_key(user_id), new_version(), timeout=VERSION_TTL)
        except Exception:
            log.warning("report.cache_invalidation_failed", user_id=user_id)

    transaction.on_commit(bump)
