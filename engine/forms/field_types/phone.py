"""Phone numbers: mainland China mobile and landline numbers, and E.164."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message

FORMATS = (
    re.compile(r"^1[3-9]\d{9}$", re.ASCII),  # mobile: 13812345678
    re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$", re.ASCII),  # landline: 010-12345678-123
    re.compile(r"^\+[1-9]\d{6,14}$", re.ASCII),  # E.164: +8613812345678
)


class PhoneType(FieldType):
    key = "phone"
    label = {"zh-CN": "电话", "en": "Phone"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string: mobile `13812345678`, landline `010-12345678[-ext]` or E.164 `+8613812345678`"
    example = Example("13812345678")
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(32)

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, str):
            raise FieldInvalid(Message("value.phone"))
        # Full-width digits and signs (１３８, ＋, －) are what a Chinese input method
        # types: NFKC makes them ASCII. Other scripts' digits stay and are refused.
        number = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
        if not any(fmt.match(number) for fmt in FORMATS):
            raise FieldInvalid(Message("value.phone_format"))
        return number

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "maxLength": 32}
