"""Failed-login limits per email and per client address, kept in the cache.

After LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW seconds, further attempts for that email or
from that address answer 429 with Retry-After until the window passes. With the cache down the guard
fails open (logins keep working; nginx's limit still applies) - a documented choice.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from finance.core.errors import TooManyRequests


def _keys(email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{digest}", f"login-fail:ip:{ip}"]


def check_allowed(*, email: str, ip: str) -> None:
    counts = cache.get_many(_keys(email, ip))
    if any(int(count) >= settings.LOGIN_FAILURE_LIMIT for count in counts.values()):
        raise TooManyRequests(
            "Too many failed logins; wait before trying again.", retry_after=settings.LOGIN_FAILURE_WINDOW
        )


def record_failure(*, email: str, ip: str) -> None:
    for key in _keys(email, ip):
        # add() starts the window only once; incr() keeps its expiry.
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def clear(*, email: str, ip: str) -> None:
    cache.delete(_keys(email, ip)[0])
