"""The client's address, trusting X-Forwarded-For only when the direct peer is a configured proxy."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def address_in(address: str, entries: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(entries)))


def client_ip(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not address_in(peer, settings.TRUSTED_PROXIES):
        return peer
    # Walk from the right: the first address that is not one of our proxies is the client.
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not address_in(hop, settings.TRUSTED_PROXIES):
            return hop
    return peer
