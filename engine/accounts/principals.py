"""A short-lived cache of who a bearer token belongs to.

Every API request presents a token; verifying it costs a JWT check and a
read of the user row (or an API-token lookup). Caching the answer for a few
seconds removes a whole database round trip from every request. The price:
deactivating a user or revoking an API token takes effect within ``TTL``
seconds in each API process, which is stated in docs/architecture.md.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from engine.accounts.users import User

TTL_SECONDS = 10.0
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Principal:
    tenant: str
    user: User


class PrincipalCache:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._items: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        with self._lock:
            item = self._items.get(token)
            if item is None:
                return None
            expires, principal = item
            if expires < time.monotonic():
                del self._items[token]
                return None
            self._items.move_to_end(token)
            return principal

    def put(self, token: str, principal: Principal) -> None:
        with self._lock:
            self._items[token] = (time.monotonic() + self._ttl, principal)
            self._items.move_to_end(token)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def forget_user(self, tenant: str, user_id: int) -> None:
        """Drop a user's entries at once (used when this process changes the user)."""
        with self._lock:
            stale = [
                token
                for token, (_, principal) in self._items.items()
                if principal.tenant == tenant and principal.user.id == user_id
            ]
            for token in stale:
                del self._items[token]
