"""Pictures attached to a record (a shop front, a business card).

An attachment whose accepted types are raster images: uploads, limits and the
stored descriptors are the attachment type's own. Whether a file is an image
is decided by its bytes (the type the upload sniffed), never by the name or
the type the client claimed; SVG is refused, because it is a document that
can carry script, not a picture.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from engine.files.sniff import RASTER_IMAGES
from engine.forms.field_types.attachment import AttachmentOptions, AttachmentType
from engine.forms.field_types.base import BoundField, DefinitionContext, Example
from engine.i18n import Message


class ImageOptions(AttachmentOptions):
    #: Narrow it to ["image/png", "image/jpeg"] if need be; other types are refused.
    accept: list[str] = Field(
        default_factory=lambda: ["image/*"],
        description='Image content types allowed, with wildcards: `["image/png", "image/jpeg"]`.',
    )


class ImageType(AttachmentType):
    key = "image"
    label = {"zh-CN": "图片", "en": "Image"}
    numeric = False
    sortable = False
    filter_kind = None
    in_subtable = False
    cell = None
    wire = (
        "as `attachment`: on write a list of file ids from `POST /api/files`; "
        "on read a list of `{id, name, size, content_type, url}`"
    )
    example = Example([{"id": "4e1d2c3b-6a5f-4b7e-9c8d-0f1e2d3c4b5a"}], {"max_files": 3})
    Options = ImageOptions

    def refusal(self, info: dict[str, Any], options: AttachmentOptions) -> Message | None:
        if info["content_type"] not in RASTER_IMAGES:
            return Message("value.not_an_image", name=info["name"])
        return super().refusal(info, options)

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        for i, pattern in enumerate(field.options.accept):
            if not pattern.startswith("image/"):
                yield f".accept[{i}]", f"{pattern!r} is not an image type (image/…)"
            elif not any(fnmatch.fnmatch(kind, pattern) for kind in RASTER_IMAGES):
                yield (
                    f".accept[{i}]",
                    f"{pattern!r} names no picture an image field takes "
                    "(PNG, JPEG, GIF, WebP or BMP)",
                )
