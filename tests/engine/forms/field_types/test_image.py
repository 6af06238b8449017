"""The image field type: an attachment of images (uploads in the API tests)."""

from __future__ import annotations

from typing import Any

import pytest

from builder.model import FieldDef
from builder.validate import DefinitionError, load_definition
from engine.forms.errors import FieldInvalid
from engine.forms.field_types.attachment import AttachmentType
from engine.forms.field_types.base import BoundField
from engine.forms.runtime import bind_field


def bound(**options: Any) -> BoundField:
    return bind_field(FieldDef(key="f", type="image", **options))


def test_shares_the_attachment_behaviour_with_images_by_default() -> None:
    field = bound()
    assert isinstance(field.type, AttachmentType)
    assert field.options.accept == ["image/*"]
    assert field.type.coerce(["a", {"id": "b"}], field) == ["a", "b"]
    assert bound(accept=["image/png"]).options.accept == ["image/png"]


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ("a", {}, "list of uploaded files"),  # wrong type
        ([1], {}, "list of uploaded files"),
        ([{"name": "x.png"}], {}, "list of uploaded files"),
        (["x" * 37], {}, "list of uploaded files"),  # oversized id
        (["a", "a"], {}, "twice"),
        (["a", "b"], {"max_files": 1}, "at most 1 files"),  # too many
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


def test_option_limits() -> None:
    with pytest.raises(ValueError, match="max_size_mb"):
        bound(max_size_mb=0)
    with pytest.raises(ValueError, match="max_files"):
        bound(max_files=1000)
