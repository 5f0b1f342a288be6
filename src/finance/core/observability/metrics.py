"""The project's own Prometheus metrics. Labels are bounded: types, results, report names - never ids.

Under gunicorn every worker writes its values to PROMETHEUS_MULTIPROC_DIR and /metrics sums them; a gauge's
multiprocess mode says how the workers' values combine.
"""

import time

import structlog
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import Counter, Gauge, Histogram

log = structlog.get_logger("finance.metrics")

TRANSACTIONS_CREATED = Counter("finance_transactions_created", "Transactions created", ["type"])
TRANSACTIONS_DELETED = Counter("finance_transactions_deleted", "Transactions deleted", ["type"])
TRANSFERS = Counter("finance_transfers", "Transfers between a user's accounts", ["action"])
REPORT_CACHE = Counter("finance_report_cache", "Report cache lookups", ["report", "result"])
LOGINS = Counter("finance_logins", "Login attempts", ["result"])
REGISTRATIONS = Counter("finance_registrations", "Users registered")
BALANCE_MISMATCHES = Counter("finance_balance_mismatches", "Accounts whose balance broke the invariant")
EXPORTS = Counter("finance_exports", "Exports finished", ["report", "result"])
EXPORT_DURATION = Histogram(
    "finance_export_duration_seconds",
    "Time to build and upload an export",
    ["report"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
# Bank statement imports: each step's result (uploaded, committed, failed, reverted, revert_failed), the rows
# of committed imports by result (created, duplicate, skipped) and how long a commit took.
IMPORTS = Counter("finance_imports", "Bank statement imports by result", ["result"])
IMPORT_ROWS = Counter("finance_import_rows", "Rows of committed imports by result", ["result"])
IMPORT_COMMIT_DURATION = Histogram(
    "finance_import_commit_duration_seconds",
    "Time to commit an import",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# django-prometheus has no in-flight gauge; live workers' values are summed, dead workers' dropped.
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "finance_http_requests_in_flight", "Requests being served right now", multiprocess_mode="livesum"
)
# Workers whose user cache listens for user changes (finance.users.user_cache). Fewer than the workers
# running means some read the user row on every request again: correct, but more database load.
USER_CACHE_LISTENING = Gauge(
    "finance_user_cache_listening",
    "Workers listening for user changes (their token users are served from memory)",
    multiprocess_mode="livesum",
)
# Checked when /metrics is scraped (not once at start like PROMETHEUS_EXPORT_MIGRATIONS, which would go stale
# and stop the app from booting while the database is down); the most recent check of any worker wins.
MIGRATIONS_UNAPPLIED = Gauge(
    "finance_migrations_unapplied",
    "Migrations in the code that the database has not applied",
    multiprocess_mode="livemostrecent",
)
MIGRATIONS_CHECK_EVERY = 30.0
_last_migrations_check = float("-inf")


def refresh_unapplied_migrations(*, force: bool = False) -> None:
    """Count the migrations not yet applied (at most every MIGRATIONS_CHECK_EVERY seconds per process)."""
    global _last_migrations_check
    now = time.monotonic()
    if not force and now - _last_migrations_check < MIGRATIONS_CHECK_EVERY:
        return
    _last_migrations_check = now
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # the database being down must not take /metrics down with it
        log.warning("metrics.migrations_check_failed", error=type(exc).__name__)
        return
    MIGRATIONS_UNAPPLIED.set(len(plan))


def export(request: HttpRequest) -> HttpResponse:
    """/metrics: django-prometheus' exporter (multiprocess-aware), with the migrations gauge refreshed."""
    refresh_unapplied_migrations()
    return ExportToDjangoView(request)
