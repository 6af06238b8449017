"""Which address a request comes from, and when X-Forwarded-For is believed."""

from __future__ import annotations

from typing import Any

import pytest

from api.client_ip import client_ip
from api.routes.security_events import SecurityAction
from engine.accounts.security_events import SECURITY_ACTIONS


def scope(peer: str | None, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"client": (peer, 1234) if peer else None, "headers": headers}


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_ip(scope("192.0.2.1", "203.0.113.5"), "") == "192.0.2.1"
    assert client_ip(scope(None, "203.0.113.5"), "") is None


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    assert client_ip(scope("192.0.2.1", "203.0.113.5"), "10.0.0.0/8") == "192.0.2.1"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        # The client may prepend anything; only the hop the proxy appended counts.
        ("1.2.3.4, 203.0.113.5", "203.0.113.5"),
        ("203.0.113.5, 10.0.0.7", "203.0.113.5"),  # a chain of trusted proxies
        ("10.0.0.7", "10.0.0.1"),  # only proxies: the peer
        ("not-an-ip", "10.0.0.1"),
        ("", "10.0.0.1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_a_trusted_proxy_the_forwarded_client_counts(forwarded: str, expected: str) -> None:
    assert client_ip(scope("10.0.0.1", forwarded), "10.0.0.0/8, 127.0.0.1") == expected


def test_the_api_filter_knows_every_security_action() -> None:
    assert set(SecurityAction.__args__) == set(SECURITY_ACTIONS)  # type: ignore[attr-defined]
