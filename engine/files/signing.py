"""Short-lived signed download URLs: a browser fetches a file without the bearer token.

An ``<img src>`` or a plain link cannot send ``Authorization``, and a bearer
token in a URL would outlive the page. Instead the API, after checking that
the caller may read a file, hands out a URL signed for that tenant, file and
user that expires after a few minutes (``FORMWORK_FILE_URL_SECONDS``). The
download re-checks the user and their access, so revoking either takes effect
at once; the signature only stands in for the login.

The key is derived from the platform secret for this one purpose, so a file
signature can never be replayed as (or forged from) any other signed value.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

from engine.errors import DomainError
from engine.i18n import Message

#: The query parameter names of a signed URL; ``sig`` is what the API's
#: authentication middleware looks for to let ``/api/files/…`` through unauthenticated.
PARAMS = ("tenant", "user", "exp", "sig")
_PURPOSE = b"formwork/file-download/v1"


class BadSignature(DomainError, ValueError):
    """The URL was not signed by this platform, was altered, or has expired (403)."""

    status = 403
    title = "Forbidden"


@dataclass(frozen=True)
class SignedFile:
    """Who a verified URL was issued to."""

    tenant: str
    file_id: str
    user_id: int


class FileUrlSigner:
    """Signs and verifies download URLs with a key derived from the platform secret."""

    def __init__(self, secret: str, lifetime_seconds: int) -> None:
        if lifetime_seconds < 1:
            raise ValueError("a signed URL must live at least one second")
        self._key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
        self.lifetime = lifetime_seconds

    def _signature(self, tenant: str, file_id: str, user_id: int, expires: int) -> str:
        message = f"{tenant}\n{file_id}\n{user_id}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def sign(self, tenant: str, file_id: str, user_id: int, now: float) -> tuple[str, int]:
        """The query string of a URL for ``user_id`` to download ``file_id``, and its expiry.

        ``now`` is a Unix time; the URL expires ``lifetime`` seconds later.
        """
        expires = int(now) + self.lifetime
        query = {
            "tenant": tenant,
            "user": str(user_id),
            "exp": str(expires),
            "sig": self._signature(tenant, file_id, user_id, expires),
        }
        return urlencode(query), expires

    def verify(
        self, file_id: str, tenant: str, user: str, expires: str, signature: str, now: float
    ) -> SignedFile:
        """Who the URL was issued to, or ``BadSignature``.

        Every part is text from the query string: nothing is trusted before the
        signature matches (compared in constant time).
        """
        if not (user.isdigit() and expires.isdigit() and len(user) <= 18 and len(expires) <= 12):
            raise BadSignature(Message("file.link_invalid"))
        user_id, expiry = int(user), int(expires)
        expected = self._signature(tenant, file_id, user_id, expiry)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise BadSignature(Message("file.link_invalid"))
        if expiry < now:
            raise BadSignature(Message("file.link_expired"))
        return SignedFile(tenant, file_id, user_id)


__all__ = ["PARAMS", "BadSignature", "FileUrlSigner", "SignedFile"]
