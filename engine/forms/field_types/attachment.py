"""Files attached to a record (contracts, photos).

Files are uploaded first (``POST /api/files``) into the tenant's file store;
a record then refers to them by id. The stored value is the list of file
descriptors, resolved from the tenant's own ``files`` table, so an id of
another tenant's file is simply not found.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.types import TypeEngine

from engine.files.ids import valid_file_id
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.abilities import References
from engine.forms.field_types.base import BoundField, Example, FieldType, Options
from engine.i18n import Message
from engine.store.tables import files
from engine.store.types import JSONType

if TYPE_CHECKING:
    from engine.forms.context import WriteContext


class AttachmentOptions(Options):
    max_files: int = Field(default=10, ge=1, le=100)
    max_size_mb: float = Field(default=20, gt=0, le=500)
    #: Content types allowed, with wildcards: ["image/*", "application/pdf"].
    accept: list[str] = Field(default_factory=list)


def file_id(item: Any) -> str:
    """The file id of one item of an attachment value (an id or ``{"id": …}``).

    Ids are checked for their shape here, before any query: a NUL byte or
    other garbage is a 422 naming the field, never a database error.
    """
    if isinstance(item, dict):
        item = item.get("id")
    if not isinstance(item, str) or not 1 <= len(item) <= 36:
        raise FieldInvalid(Message("value.files"))
    if not valid_file_id(item):
        raise FieldInvalid(Message("value.no_file", id=item))
    return item


class AttachmentType(FieldType, References):
    key = "attachment"
    label = {"zh-CN": "附件", "en": "Attachment"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = False
    cell = None
    wire = (
        'on write a list of file ids from `POST /api/files` (or `{"id": …}` objects); '
        "on read a list of `{id, name, size, content_type, url}`"
    )
    example = Example([{"id": "9b2c6f0e-5a1d-4c3e-8f7a-2d4b6c8e0f1a"}])
    Options = AttachmentOptions

    def column_type(self, field: BoundField) -> TypeEngine[Any]:
        return JSONType

    def coerce(self, value: Any, field: BoundField) -> Any:
        if not isinstance(value, list):
            raise FieldInvalid(Message("value.files"))
        if len(value) > field.options.max_files:
            raise FieldInvalid(Message("value.max_files", max=field.options.max_files))
        ids = [file_id(item) for item in value]
        if len(set(ids)) != len(ids):
            raise FieldInvalid(Message("value.file_repeated"))
        return ids

    def parse_query(self, text: str, field: BoundField) -> Any:
        raise FieldInvalid(Message("value.no_equality"))

    def resolve(self, field: BoundField, values: Sequence[Any], ctx: WriteContext) -> list[Any]:
        wanted = {i for ids in values for i in ids}
        rows = ctx.conn.execute(
            select(files.c.id, files.c.name, files.c.size, files.c.content_type).where(
                files.c.id.in_(wanted)
            )
        )
        known = {row.id: dict(row._mapping) for row in rows}
        return [self._describe(ids, known, field.options) for ids in values]

    def _describe(
        self, ids: list[str], known: dict[str, dict[str, Any]], options: AttachmentOptions
    ) -> Any:
        described = []
        for i in ids:
            info = known.get(i)
            if info is None:
                return FieldInvalid(Message("value.no_file", id=i))
            refusal = self.refusal(info, options)
            if refusal is not None:
                return FieldInvalid(refusal)
            described.append(info)
        return described

    def refusal(self, info: dict[str, Any], options: AttachmentOptions) -> Message | None:
        """Why this field refuses an uploaded file, or ``None``.

        ``content_type`` is what the upload sniffed from the file's bytes
        (``engine.files.sniff``), never what the client claimed.
        """
        if info["size"] > options.max_size_mb * 1024 * 1024:
            return Message(
                "value.file_too_large", name=info["name"], max=f"{options.max_size_mb:g}"
            )
        if options.accept and not any(
            fnmatch.fnmatch(info["content_type"], pattern) for pattern in options.accept
        ):
            return Message("value.file_type", name=info["name"])
        return None

    def to_json(self, value: Any, field: BoundField) -> Any:
        if value is None:
            return None
        return [{**item, "url": f"/api/files/{item['id']}"} for item in value]

    def json_schema(self, field: BoundField) -> dict[str, Any]:
        return {
            "type": "array",
            "maxItems": field.options.max_files,
            "items": {"type": "object", "properties": {"id": {"type": "string"}}},
        }
