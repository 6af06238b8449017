"""Typed path and query parameters shared by routes.

Python integers are unbounded, but the databases are not: record ids are
``INTEGER`` columns (32-bit on PostgreSQL), and an id like
``99999999999999999999`` made the driver raise (a 500). Bounding it here
makes it a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

#: The largest value of an ``INTEGER`` column on PostgreSQL (ids are such columns).
MAX_ID = 2**31 - 1

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="a record id")]
