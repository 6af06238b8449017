"""Pictures attached to a record (a shop front, a business card).

An attachment whose accepted types are images: uploads, limits and the
stored descriptors are the attachment type's own.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from engine.forms.field_types.attachment import AttachmentOptions, AttachmentType
from engine.forms.field_types.base import BoundField, DefinitionContext, Example


class ImageOptions(AttachmentOptions):
    #: Narrow it to ["image/png", "image/jpeg"] if need be; other types are refused.
    accept: list[str] = Field(
        default_factory=lambda: ["image/*"],
        description='Image content types allowed, with wildcards: `["image/png", "image/jpeg"]`.',
    )


class ImageType(AttachmentType):
    key = "image"
    label = {"zh-CN": "图片", "en": "Image"}
    wire = (
        "as `attachment`: on write a list of file ids from `POST /api/files`; "
        "on read a list of `{id, name, size, content_type, url}`"
    )
    example = Example([{"id": "4e1d2c3b-6a5f-4b7e-9c8d-0f1e2d3c4b5a"}], {"max_files": 3})
    Options = ImageOptions

    def check_definition(
        self, field: BoundField, ctx: DefinitionContext
    ) -> Iterator[tuple[str, str]]:
        for i, pattern in enumerate(field.options.accept):
            if not pattern.startswith("image/"):
                yield f".accept[{i}]", f"{pattern!r} is not an image type (image/…)"
