"""The client's IP address, from the ASGI scope.

``X-Forwarded-For`` is believed only when the socket peer is a trusted proxy
(``FORMWORK_TRUSTED_PROXIES``: IPs or CIDRs, comma-separated). Then the
client is the right-most address in the header that is not itself a trusted
proxy: everything to its left was written by the client and may be forged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The networks a ``FORMWORK_TRUSTED_PROXIES`` value names (bad entries raise)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    )


def _is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    hops: list[str] = []
    for name, value in headers:
        if name.lower() == b"x-forwarded-for":
            hops.extend(part.strip() for part in value.decode("latin-1").split(","))
    return [hop for hop in hops if hop]


def client_ip(scope: Mapping[str, Any], trusted_proxies: str) -> str | None:
    """The address of whoever sent the request, or None when the server does not know."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    networks = trusted_networks(trusted_proxies)
    if peer is None or not networks or not _is_trusted(peer, networks):
        return peer
    for hop in reversed(_forwarded_for(scope.get("headers", []))):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled header: fall back to what we know
    return peer
