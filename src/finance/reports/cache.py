"""Report cache: one entry per user, report and parameters, invalidated in O(1) by a per-user version.

Bumping the user's version makes every older entry unreachable; the TTL (REPORT_CACHE_TTL) removes them and
is the backstop if an invalidation is lost during a cache outage. Any cache error degrades to a miss.
"""

from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from finance.core import metrics

log = structlog.get_logger("finance.reports")
VERSION_TTL = 60 * 60 * 24 * 30


def _version_key(user_id: int) -> str:
    return f"report-version:{user_id}"


def _current_version(user_id: int) -> int:
    try:
        return int(cache.get(_version_key(user_id)) or 0)
    except Exception:  # a cache outage must never fail a request
        return -1


def entry_key(user_id: int, version: int, report: str, params: dict[str, Any]) -> str:
    encoded = ":".join(
        f"{name}={params[name] if params[name] is not None else ''}" for name in sorted(params)
    )
    return f"report:{user_id}:v{version}:{report}:{encoded}"


def cached_report(
    *, user_id: int, report: str, params: dict[str, Any], compute: Callable[[], dict]
) -> tuple[dict, bool]:
    """Return (report, hit). A miss computes, stores and returns the fresh report."""
    version = _current_version(user_id)
    key = entry_key(user_id, version, report, params)
    value = None
    if version >= 0:
        try:
            value = cache.get(key)
        except Exception:
            value = None
    if value is not None:
        metrics.REPORT_CACHE.labels(report=report, result="hit").inc()
        log.info("report.cache_hit", report=report, user_id=user_id)
        return value, True
    value = compute()
    metrics.REPORT_CACHE.labels(report=report, result="miss").inc()
    log.info("report.cache_miss", report=report, user_id=user_id)
    if version >= 0:
        try:
            cache.set(key, value, timeout=settings.REPORT_CACHE_TTL)
        except Exception:
            log.warning("report.cache_store_failed", report=report)
    return value, False


def invalidate(user_id: int) -> None:
    """Make every cached report of the user stale (after the surrounding transaction commits)."""

    def bump() -> None:
        key = _version_key(user_id)
        try:
            if cache.add(key, 1, timeout=VERSION_TTL):
                return
            cache.incr(key)
        except ValueError:  # the key expired between add() and incr()
            cache.set(key, 1, timeout=VERSION_TTL)
        except Exception:
            log.warning("report.cache_invalidation_failed", user_id=user_id)

    transaction.on_commit(bump)
