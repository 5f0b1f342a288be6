"""The client's address: the one rule every throttle, the failed-login guard, the logs and the metrics use.

X-Forwarded-For is believed only as far as proxies we run wrote it. A proxy is trusted by its network
(TRUSTED_PROXIES, addresses or CIDR blocks), never by counting hops: the header is read from the right, and
the first address that is not one of our proxies is the client. Whatever a client wrote to the left of that
is its own claim and is ignored, so rotating forged entries changes nothing. A request that does not come
from a trusted proxy is its own peer address, whatever headers it carries.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def address_in(address: str, entries: list[str]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in _networks(tuple(entries)))


def client_ip(request: HttpRequest) -> str:
    peer: str = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not address_in(peer, settings.TRUSTED_PROXIES):
        return peer
    closest = peer
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if _ip(hop) is None:
            # Not an address: the last proxy we trust passed on garbage; it is the client we can vouch for.
            return closest
        if not address_in(hop, settings.TRUSTED_PROXIES):
            return hop
        closest = hop
    return closest
