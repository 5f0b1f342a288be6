"""The API's request throttles: DRF's scoped rate throttle, counting per client as `client_ip()` names it.

DRF identifies an anonymous client with its own rule (NUM_PROXIES: count hops of X-Forwarded-For, whoever
sent it). That let a client rotate a forged header past the login limit, and made every client behind the
proxy one bucket when the count was 0. Here the key is the address of the one rule the failed-login guard,
the logs and the metrics use as well. A refused request answers 429 problem+json with Retry-After and the
IETF RateLimit-Policy / RateLimit fields.

The counters live in the cache: with Redis down, throttles fail open (logins keep working; the edge's own
limits still apply) - a documented choice.
"""

import math
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

from finance.core.errors import RateLimit, TooManyRequests
from finance.core.http.client_ip import client_ip


class ScopedThrottle(ScopedRateThrottle):
    """`throttle_scope` on a view picks the rate (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]); authenticated
    requests count per user, the others per client address."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        if super().allow_request(request, view):
            return True
        # allow_request() parsed the scope's rate into these; DRF's stubs do not declare them.
        quota: int = getattr(self, "num_requests")  # noqa: B009
        window: int = getattr(self, "duration")  # noqa: B009
        wait = self.wait()
        raise TooManyRequests(
            "Too many requests; retry later.",
            rate_limit=RateLimit(
                policy=str(self.scope), quota=quota, window=window, reset=max(1, math.ceil(wait or 0))
            ),
        )


class _Scope:
    """Stands in for a DRF view where a plain Django view shares a scope's counter (the admin's login)."""

    def __init__(self, scope: str):
        self.throttle_scope = scope


def check_scope(request: Any, scope: str) -> None:
    """Count `request` against `scope`'s throttle, the same counter the API's views of that scope use;
    raises TooManyRequests past the rate."""
    ScopedThrottle().allow_request(request, _Scope(scope))
