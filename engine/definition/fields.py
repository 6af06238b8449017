"""One field of an entity or of a sub-table; its type options stay extra keys
that the field type's own ``Options`` model parses (``engine.forms.field_types``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from engine.definition.common import HelpText, Key, Label


class FieldDef(BaseModel):
    """One field of an entity (or of a sub-table). Extra keys are type options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    key: Key
    type: str
    label: Label | None = None
    help: HelpText | None = None
    required: bool = False
    unique: bool = False
    index: bool = False
    default: Any = None
    visible_when: str | None = None
    required_when: str | None = None
    readonly_when: str | None = None
    #: The key this field had in the published version: publishing renames the
    #: column and keeps its data (see docs/schema-evolution.md).
    renamed_from: Key | None = None
    #: The key of a removed (archived) field whose data this field brings back;
    #: re-adding a field under its old key restores it without this.
    restore_from: Key | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_serializer(mode="wrap")
    def _keep_null_options(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A type option set to ``null`` means something (a percent without
        rounding): it survives ``exclude_none``, which stored definitions use."""
        data: dict[str, Any] = handler(self)
        for key, value in (self.model_extra or {}).items():
            if value is None:
                data[key] = None
        return data
