"""Password hashing with argon2id.

The ``fast`` profile exists for test suites only (hundreds of users hashed
per run); production always uses the library's recommended parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_PROFILES = {
    "production": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}


class Passwords:
    def __init__(self, profile: str = "production") -> None:
        self._hasher = _PROFILES[profile]

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
