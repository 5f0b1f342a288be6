"""Liveness (the process answers) and readiness (database and cache reachable)."""

import structlog
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = structlog.get_logger("finance.health")


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        log.warning("health.database_down", error=type(exc).__name__)
        return "down"


def _check_cache() -> str:
    """Ask Redis directly: the cache backend hides outages (IGNORE_EXCEPTIONS) by design."""
    client_getter = getattr(cache, "client", None)
    try:
        if client_getter is not None and hasattr(client_getter, "get_client"):
            client_getter.get_client(write=True).ping()
        else:
            cache.get("health-probe")
        return "ok"
    except Exception as exc:
        log.warning("health.cache_down", error=type(exc).__name__)
        return "down"


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """503 when the database is down (nothing works); 200 "degraded" when only the cache is down."""
    checks = {"database": _check_database(), "cache": _check_cache()}
    if checks["database"] != "ok":
        status, code = "down", 503
    elif checks["cache"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
