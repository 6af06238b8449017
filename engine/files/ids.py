"""The shape of a file id, checked before any query.

File ids are UUIDs in their canonical lower-case text form. Anything else is
never looked up: PostgreSQL refuses a NUL byte in text (which would be a 500),
and garbage has nothing to find anyway.
"""

from __future__ import annotations

import re

FILE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def valid_file_id(text: object) -> bool:
    """Whether ``text`` is a string with the shape of a file id."""
    return isinstance(text, str) and FILE_ID.fullmatch(text) is not None


__all__ = ["FILE_ID", "valid_file_id"]
