"""The project's own Prometheus metrics. Labels are bounded: types, results, report names - never ids."""

from prometheus_client import Counter, Histogram

TRANSACTIONS_CREATED = Counter("finance_transactions_created", "Transactions created", ["type"])
TRANSACTIONS_DELETED = Counter("finance_transactions_deleted", "Transactions deleted", ["type"])
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
