"""Typed path and query parameters shared by routes.

Python integers are unbounded, but the databases are not: record ids are
``INTEGER`` columns (32-bit on PostgreSQL), and an id like
``99999999999999999999`` made the driver raise (a 500). Bounding it here
makes it a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

#: The largest value of an ``INTEGER`` column on PostgreSQL (ids are such columns).
MAX_ID = 2**31 - 1

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="a record id")]


def _storable(text: str) -> str:
    if "\x00" in text:
        raise PydanticCustomError("nul_character", "must not contain NUL characters")
    return text


#: Text of a request model that reaches a text column or a comparison with
#: one: PostgreSQL text cannot hold NUL, which the driver refused (a 422 that
#: named no field). Lone surrogates are already refused by pydantic's ``str``.
StoredText = Annotated[str, AfterValidator(_storable)]
