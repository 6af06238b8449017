"""Postal addresses as province / city / district / detail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.store.types import JSONType

PARTS = {"province": 50, "city": 50, "district": 50, "detail": 200}


class AddressType(FieldType):
    key = "address"
    label = {"zh-CN": "地址", "en": "Address"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = True
    cell = "address"
    wire = "an object with the optional strings `province`, `city`, `district`, `detail`"
    example = Example(
        {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"}
    )

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, dict):
            raise FieldInvalid("must be an object with province, city, district and detail")
        unknown = set(value) - set(PARTS)
        if unknown:
            raise FieldInvalid(f"unknown address part {sorted(unknown)[0]!r}")
        address: dict[str, str] = {}
        for part, limit in PARTS.items():
            text = value.get(part)
            if text is None or text == "":
                continue
            if not isinstance(text, str) or len(text) > limit:
                raise FieldInvalid(f"{part} must be text of at most {limit} characters")
            address[part] = text
        return address or None

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid("cannot be filtered by equality")

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {p: {"type": "string", "maxLength": n} for p, n in PARTS.items()},
            "additionalProperties": False,
        }
