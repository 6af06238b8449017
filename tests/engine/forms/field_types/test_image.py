"""The image field type: an attachment of images (uploads in the API tests)."""

from __future__ import annotations

from typing import Any

import pytest

from builder.validate import DefinitionError, load_definition
from engine.definition import FieldDef
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.attachment import AttachmentType
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field

A = "9b2c6f0e-5a1d-4c3e-8f7a-2d4b6c8e0f1a"
B = "4e1d2c3b-6a5f-4b7e-9c8d-0f1e2d3c4b5a"


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="image", **options))


def test_shares_the_attachment_behaviour_with_images_by_default() -> None:
    field = bound()
    assert isinstance(field.type, AttachmentType)
    assert field.options.accept == ["image/*"]
    assert field.type.coerce([A, {"id": B}], field) == [A, B]
    assert bound(accept=["image/png"]).options.accept == ["image/png"]


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ("a", {}, "list of uploaded files"),  # wrong type
        ([1], {}, "list of uploaded files"),
        ([{"name": "x.png"}], {}, "list of uploaded files"),
        (["x" * 37], {}, "list of uploaded files"),  # oversized id
        ([A, A], {}, "twice"),
        ([A, B], {"max_files": 1}, "at most 1 files"),  # too many
        # Not the shape of a file id: refused before any query (PostgreSQL refuses NUL).
        (["\x00"], {}, "no uploaded file"),
        ([A[:-1] + "\x00"], {}, "no uploaded file"),
        ([A.upper()], {}, "no uploaded file"),
        (["../../etc/passwd"], {}, "no uploaded file"),
    ],
)
def test_refuses(value: Any, options: dict[str, Any], message: str) -> None:
    field = bound(**options)
    with pytest.raises(FieldInvalid, match=message):
        field.type.coerce(value, field)


def test_accept_must_name_images() -> None:
    definition = {
        "key": "app",
        "version": "1.0.0",
        "entities": [
            {
                "key": "shop",
                "fields": [
                    {"key": "photo", "type": "image", "accept": ["image/png", "application/pdf"]}
                ],
            }
        ],
    }
    with pytest.raises(DefinitionError) as err:
        load_definition(definition)
    (issue,) = err.value.issues
    assert issue.path == "$.entities[0].fields[0].accept[1]"
    assert "not an image type" in issue.message


@pytest.mark.parametrize("pattern", ["image/svg+xml", "image/svg*", "image/x-icon"])
def test_accept_must_name_raster_images(pattern: str) -> None:
    definition = {
        "key": "app",
        "version": "1.0.0",
        "entities": [
            {"key": "shop", "fields": [{"key": "photo", "type": "image", "accept": [pattern]}]}
        ],
    }
    with pytest.raises(DefinitionError) as err:
        load_definition(definition)
    (issue,) = err.value.issues
    assert issue.path == "$.entities[0].fields[0].accept[0]"
    assert "names no picture" in issue.message


@pytest.mark.parametrize(
    ("content_type", "refused"),
    [
        ("image/png", False),
        ("image/jpeg", False),
        ("image/webp", False),
        ("image/svg+xml", True),
        ("text/html", True),
        ("application/octet-stream", True),
    ],
)
def test_refuses_what_is_not_a_raster_image(content_type: str, refused: bool) -> None:
    field = bound()
    info = {"id": A, "name": "f", "size": 10, "content_type": content_type}
    refusal = field.type.refusal(info, field.options)  # type: ignore[attr-defined]
    assert (refusal is not None) is refused


def test_option_limits() -> None:
    with pytest.raises(ValueError, match="max_size_mb"):
        bound(max_size_mb=0)
    with pytest.raises(ValueError, match="max_files"):
        bound(max_files=1000)
