"""E-mail addresses."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeEngine

from engine.forms.errors import FieldInvalid
from engine.forms.field_types.base import BoundField, Example, FieldType
from engine.i18n import Message

# Deliberately simple: one @, a dot in the domain, no spaces. Whether the
# mailbox exists is for the mail server to say.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class EmailType(FieldType):
    key = "email"
    label = {"zh-CN": "邮箱", "en": "Email"}
    numeric = False
    sortable = True
    filter_kind = "text"
    in_subtable = True
    cell = "text"
    wire = "a string, an e-mail address"
    example = Example("sales@example.com")
    searchable = True

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return String(254)

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, str) or len(value) > 254 or not EMAIL.match(value.strip()):
            raise FieldInvalid(Message("value.email"))
        return value.strip()

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {"type": "string", "format": "email", "maxLength": 254}
