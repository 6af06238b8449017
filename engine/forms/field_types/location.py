"""A place on the map: latitude and longitude, with an optional address text."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, DefinitionContext, Example, FieldType
from engine.i18n import Message
from engine.store.types import JSONType

MAX_ADDRESS = 200
RANGES = {"lat": 90.0, "lng": 180.0}


def coordinate(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldInvalid(Message("value.coordinate", name=name))
    number = float(value) + 0.0  # -0.0 is 0.0: PostgreSQL's JSONB has no negative zero
    limit = RANGES[name]
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise FieldInvalid(Message("value.coordinate_range", name=name, min=-limit, max=limit))
    return number


class LocationType(FieldType):
    key = "location"
    label = {"zh-CN": "定位", "en": "Location"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = True
    cell = "json"
    wire = (
        "an object `{lat, lng, address?}`: lat −90…90 and lng −180…180 as numbers (WGS-84 "
        "or as the map provider gives them), address text of at most 200 characters"
    )
    example = Example({"lat": 30.2741, "lng": 120.1551, "address": "杭州市西湖区"})

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, dict):
            raise FieldInvalid(Message("value.location"))
        unknown = set(value) - {"lat", "lng", "address"}
        if unknown:
            raise FieldInvalid(Message("value.location_part", part=repr(sorted(unknown)[0])))
        if "lat" not in value or "lng" not in value:
            raise FieldInvalid(Message("value.location_both"))
        location: dict[str, Any] = {
            "lat": coordinate(value["lat"], "lat"),
            "lng": coordinate(value["lng"], "lng"),
        }
        address = value.get("address")
        if address is not None and address != "":
            if not isinstance(address, str) or len(address) > MAX_ADDRESS:
                raise FieldInvalid(Message("value.location_address", max=MAX_ADDRESS))
            location["address"] = address
        return location

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid(Message("value.no_equality"))

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lng": {"type": "number", "minimum": -180, "maximum": 180},
                "address": {"type": "string", "maxLength": MAX_ADDRESS},
            },
            "required": ["lat", "lng"],
            "additionalProperties": False,
        }

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        if field.defn.unique:
            yield ".unique", "a location field cannot be unique"
