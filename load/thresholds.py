"""Pass/fail gates of a load test: the failure ratio and the 95th percentile of each endpoint group.

Limits are for the production shape of the stack (nginx -> gunicorn -> PostgreSQL + Redis) on modest
hardware. `--p95-factor` scales every latency limit for a slower or faster target; the smoke shape uses a
generous factor by default because it checks that journeys work, not how fast.
"""

from dataclasses import dataclass

# "METHOD name" as Locust reports it -> p95 limit in milliseconds.
P95_MS: dict[str, float] = {
    # Password hashing is deliberately slow (hundreds of ms of CPU per login or registration).
    "POST /auth/register": 4000,
    "POST /auth/login": 4000,
    "POST /auth/refresh": 800,
    "GET /accounts": 400,
    "GET /accounts/{id}": 400,
    "POST /accounts": 800,
    "GET /categories": 400,
    "POST /categories": 800,
    "GET /transactions": 500,
    "GET /transactions?filtered": 600,
    "GET /transactions/{id}": 400,
    "POST /transactions": 800,
    "DELETE /transactions/{id}": 800,
    "GET /reports/summary": 300,
    "GET /reports/by-category": 300,
    "GET /reports/trends": 300,
    "GET /reports/net-worth": 300,
    "GET /accounts/{id}/balances": 300,
    "GET /transfers": 500,
    "POST /transfers": 800,
    "DELETE /transfers/{id}": 800,
    "GET /transfers/suggestions": 800,
    # A small statement (20 rows): stored, parsed and checked for duplicates; committed and reverted
    # inline unless a worker takes them.
    "POST /imports": 1500,
    "PUT /imports/{id}/mapping": 1500,
    "POST /imports/{id}/commit": 2000,
    "GET /imports/{id}": 400,
    "POST /imports/{id}/revert": 2000,
    # Right after a write the report is computed (the write invalidated the user's cache).
    "GET /reports/summary (after write)": 1500,
    "GET /reports/by-category (after write)": 1500,
    "GET /reports/trends (after write)": 1500,
    "GET /reports/net-worth (after write)": 1500,
    "GET /accounts/{id}/balances (after write)": 1500,
}
DEFAULT_P95_MS = 1000.0
FAILURE_RATIO = {"smoke": 0.0}
DEFAULT_FAILURE_RATIO = 0.01
P95_FACTOR = {"smoke": 10.0}
DEFAULT_P95_FACTOR = 1.0


@dataclass(frozen=True)
class Limits:
    max_failure_ratio: float
    p95_factor: float

    @classmethod
    def for_shape(cls, shape: str, *, max_failure_ratio: float = -1, p95_factor: float = 0) -> "Limits":
        """The shape's defaults, replaced by explicit values (negative ratio / zero factor = default)."""
        return cls(
            max_failure_ratio=(
                max_failure_ratio
                if max_failure_ratio >= 0
                else FAILURE_RATIO.get(shape, DEFAULT_FAILURE_RATIO)
            ),
            p95_factor=p95_factor if p95_factor > 0 else P95_FACTOR.get(shape, DEFAULT_P95_FACTOR),
        )


def p95_limit(method: str, name: str, factor: float) -> float:
    return P95_MS.get(f"{method} {name}", DEFAULT_P95_MS) * factor


def breaches(stats, limits: Limits) -> list[str]:
    """Every gate the run failed, as sentences; empty when the run passed.

    `stats` is Locust's RequestStats (environment.stats).
    """
    found = []
    total = stats.total
    if total.num_requests == 0:
        return ["no request was made"]
    if total.fail_ratio > limits.max_failure_ratio:
        found.append(
            f"failure ratio {total.fail_ratio:.2%} ({total.num_failures} of {total.num_requests}) "
            f"is above {limits.max_failure_ratio:.2%}"
        )
    for entry in sorted(stats.entries.values(), key=lambda e: (e.name, e.method)):
        if not entry.num_requests:
            continue
        limit = p95_limit(entry.method, entry.name, limits.p95_factor)
        p95 = entry.get_response_time_percentile(0.95)
        if p95 > limit:
            found.append(f"p95 of {entry.method} {entry.name} is {p95:.0f} ms, above {limit:.0f} ms")
    return found
