"""Chinese resident identity card numbers (GB 11643-1999), checksum verified.

Eighteen characters: a six-digit region code, the date of birth as
``YYYYMMDD``, a three-digit sequence and a check character (``0``–``9`` or
``X``, an ISO 7064 MOD 11-2 checksum). A lower-case ``x`` is accepted and
stored upper-case, so the same person never appears twice.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message

SHAPE = re.compile(r"^[1-9]\d{16}[\dX]$", re.ASCII)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def check_character(first17: str) -> str:
    """The check character of the first 17 digits (GB 11643, ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def check_id_number(value: Any, today: dt.date | None = None) -> str:
    if not isinstance(value, str):
        raise FieldInvalid(Message("value.id_number"))
    number = value.strip().upper()
    if not SHAPE.match(number):
        raise FieldInvalid(Message("value.id_number_length"))
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise FieldInvalid(Message("value.id_number_birth")) from None
    if not EARLIEST_BIRTH <= born <= (today or dt.date.today()):
        raise FieldInvalid(Message("value.id_number_birth"))
    if number[17] != check_character(number[:17]):
        raise FieldInvalid(Message("value.id_number_check"))
    return number


class IdNumberType(FieldType):
    key = "id_number"
    label = {"zh-CN": "身份证号", "en": "ID card number"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string of 18 characters, 17 digits and a check digit or `X` (read back upper-case)"
    example = Example("11010519491231002X")
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(18)

    def coerce(self, value: Any, field: BoundField) -> Any:
        return check_id_number(value)

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "pattern": "^[1-9][0-9]{16}[0-9Xx]$"}
