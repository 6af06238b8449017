"""Postal addresses as province / city / district / detail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message
from engine.store.types import JSONType

PARTS = {"province": 50, "city": 50, "district": 50, "detail": 200}
#: How a message names each part for its reader.
PART_LABELS = {
    "province": {"en": "province", "zh-CN": "省"},
    "city": {"en": "city", "zh-CN": "市"},
    "district": {"en": "district", "zh-CN": "区"},
    "detail": {"en": "detail", "zh-CN": "详细地址"},
}


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
            raise FieldInvalid(Message("value.address"))
        unknown = set(value) - set(PARTS)
        if unknown:
            raise FieldInvalid(Message("value.address_part", part=repr(sorted(unknown)[0])))
        address: dict[str, str] = {}
        for part, limit in PARTS.items():
            text = value.get(part)
            if text is None or text == "":
                continue
            if not isinstance(text, str) or len(text) > limit:
                raise FieldInvalid(
                    Message("value.address_part_long", part=PART_LABELS[part], max=limit)
                )
            address[part] = text
        return address or None

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid(Message("value.no_equality"))

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {p: {"type": "string", "maxLength": n} for p, n in PARTS.items()},
            "additionalProperties": False,
        }
