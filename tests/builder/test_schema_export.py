"""The committed JSON Schema and reference are what the code generates, and true."""

from __future__ import annotations

import copy
import json
from typing import Any

from jsonschema import Draft202012Validator

from builder.schema_export import (
    REFERENCE_FILE,
    SCHEMA_FILE,
    definition_schema,
    reference_markdown,
)


def test_committed_docs_are_current() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == definition_schema(), (
        "run `python -m builder.schema_export`"
    )
    assert REFERENCE_FILE.read_text(encoding="utf-8") == reference_markdown()


def test_example_is_valid_against_the_exported_schema(example_definition: dict[str, Any]) -> None:
    validator = Draft202012Validator(definition_schema())
    assert list(validator.iter_errors(example_definition)) == []


def test_exported_schema_refuses_unknown_field_options(example_definition: dict[str, Any]) -> None:
    broken = copy.deepcopy(example_definition)
    broken["entities"][0]["fields"][1]["max_lenght"] = 10
    assert not Draft202012Validator(definition_schema()).is_valid(broken)
