"""Failed-login limits that slow password guessing down without letting anyone lock an owner out.

Failures are counted in the cache for LOGIN_FAILURE_WINDOW seconds from the first one, three ways:

- per email and client address: after LOGIN_FAILURE_LIMIT failures that address gets 429 for that email;
- per client address, whatever the email: after LOGIN_FAILURE_ADDRESS_LIMIT failures the address gets 429
  for every email (one address spraying passwords over many accounts);
- per email, from every address: never a lock. Once an email has LOGIN_FAILURE_LIMIT failures it is under
  attack, and each address then gets one failure for it per window instead of LOGIN_FAILURE_LIMIT: every
  further guess costs the attacker a fresh address.

So five wrong passwords from anywhere never stop the owner: an address without failures is always let
through to the password check (the old guard locked the email itself for everyone - anyone could lock any
account for 15 minutes). The client address is `client_ip()`, the rule the throttles and logs use. With the
cache down the guard fails open (logins keep working; the throttles' and the edge's limits still apply) - a
documented choice. Emails are kept as hashes only.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from finance.core.errors import RateLimit, TooManyRequests


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _keys(email: str, ip: str) -> tuple[str, str, str]:
    """(pair, address, email) counter keys."""
    email_digest = _digest(email.strip().lower())
    return (
        f"login-fail:pair:{_digest(f'{email_digest}|{ip}')}",
        f"login-fail:ip:{ip}",
        f"login-fail:email:{email_digest}",
    )


def _seconds_left(key: str) -> int:
    """Until the counter expires: the cache's own TTL where it tells (Redis), else the whole window."""
    window = settings.LOGIN_FAILURE_WINDOW
    ttl = getattr(cache, "ttl", None)
    if callable(ttl):
        left = ttl(key)
        if isinstance(left, int) and left > 0:
            return min(left, window)
    return window


def _refuse(policy: str, quota: int, key: str) -> TooManyRequests:
    return TooManyRequests(
        "Too many failed logins; wait before trying again.",
        rate_limit=RateLimit(
            policy=policy, quota=quota, window=settings.LOGIN_FAILURE_WINDOW, reset=_seconds_left(key)
        ),
    )


def pair_limit(email_failures: int) -> int:
    """Failures one address may make for an email: fewer while the email is under attack."""
    return 1 if email_failures >= settings.LOGIN_FAILURE_LIMIT else settings.LOGIN_FAILURE_LIMIT


def check_allowed(*, email: str, ip: str) -> None:
    """Raise TooManyRequests (with Retry-After and RateLimit fields) when this attempt must not be tried."""
    pair_key, ip_key, email_key = _keys(email, ip)
    counts = cache.get_many([pair_key, ip_key, email_key])
    by_pair, by_ip, by_email = (int(counts.get(key) or 0) for key in (pair_key, ip_key, email_key))
    if by_ip >= settings.LOGIN_FAILURE_ADDRESS_LIMIT:
        raise _refuse("login-failures-per-address", settings.LOGIN_FAILURE_ADDRESS_LIMIT, ip_key)
    limit = pair_limit(by_email)
    if by_pair >= limit:
        raise _refuse("login-failures", limit, pair_key)


def record_failure(*, email: str, ip: str) -> None:
    for key in _keys(email, ip):
        # add() starts the window only once; incr() keeps its expiry.
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def clear(*, email: str, ip: str) -> None:
    """After a successful login: the pair starts afresh. The email's count stays (an attack on it goes on
    whatever its owner does) and so does the address's."""
    cache.delete(_keys(email, ip)[0])
