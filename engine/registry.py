"""One generic registry for every pluggable kind (field types, operators, …).

Registration is explicit (``register_builtins()`` in each engine) so that what
exists is visible in one place, and an unknown key fails with a typed error
instead of a ``KeyError`` deep inside an engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownKeyError(LookupError):
    def __init__(self, kind: str, key: str, known: list[str]) -> None:
        super().__init__(f"unknown {kind} {key!r}; known: {', '.join(sorted(known))}")
        self.kind = kind
        self.key = key
        self.known = sorted(known)


class Registry(Generic[T]):
    """Maps a key to one registered object of a kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        if key in self._items:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._items[key] = item
        return item

    def get(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise UnknownKeyError(self.kind, key, list(self._items)) from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())
