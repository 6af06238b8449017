"""The field-type reference page (``docs/field-types.md``), generated from the registry.

Each type contributes its label, its module's summary, its ``wire`` sentence,
its JSON-Schema fragment, its ``Options`` model and its ``example``; nothing
is written by hand, so the page cannot drift from what the engine accepts.

Regenerate with ``python -m engine.forms.docs``; a test fails when the
committed page differs from what this produces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from engine.definition import SYSTEM_FIELDS, FieldDef
from engine.docpages import code, limits
from engine.forms.field_types.abilities import ChildRows, QueryTime
from engine.forms.field_types.base import DERIVED, BoundField, FieldType
from engine.forms.registry import field_types

PAGE = Path(__file__).resolve().parents[2] / "docs" / "field-types.md"

#: Wire format and meaning of the columns every entity table has.
SYSTEM_FIELD_DOCS: dict[str, tuple[str, str]] = {
    "id": ("integer", "The record's number, unique within its entity; assigned on create."),
    "version": (
        "integer",
        "1 on create, one more on every change; a PATCH sends it back and a stale "
        "version answers 409.",
    ),
    "created_at": ("ISO 8601 date-time string, UTC", "When the record was created."),
    "created_by": ("user id (integer) or null", "Who created it (null for system writes)."),
    "updated_at": ("ISO 8601 date-time string, UTC", "When it was last changed."),
    "updated_by": ("user id (integer) or null", "Who changed it last."),
}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type_name(prop: dict[str, Any]) -> str:
    if "const" in prop:
        return code(_json(prop["const"]))
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "enum" in prop:
        return " or ".join(code(_json(v)) for v in prop["enum"])
    if "anyOf" in prop:
        return " or ".join(_type_name(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_type_name(prop.get('items', {}))}"
    if prop.get("type") == "object" and "additionalProperties" in prop:
        return "map"
    return str(prop.get("type", "any"))


def _options_table(field_type: FieldType) -> list[str]:
    schema = field_type.Options.model_json_schema()
    common = set(FieldDef.model_json_schema()["properties"])
    own = {k: v for k, v in schema.get("properties", {}).items() if k not in common}
    if not own:
        return ["No options of its own."]
    required = set(schema.get("required", []))
    rows = ["| option | type | default | description |", "|---|---|---|---|"]
    for name, prop in own.items():
        # From the model, not the schema: a default_factory leaves no "default" there.
        model_field = field_type.Options.model_fields[name]
        default = (
            "required"
            if name in required
            else code(_json(model_field.get_default(call_default_factory=True)))
        )
        kind = _type_name(prop)
        bounds = limits(prop)
        description = " ".join(p for p in (prop.get("description", ""), bounds) if p)
        rows.append(f"| `{name}` | {_cell(kind)} | {_cell(default)} | {_cell(description)} |")
    return rows


def example_field(field_type: FieldType) -> BoundField:
    """The type bound to its example's options, as a definition would bind it."""
    from engine.forms.runtime import bind_field

    defn = FieldDef(key="example", type=field_type.key, **field_type.example.options)
    return bind_field(defn)


def _traits(field_type: FieldType) -> list[str]:
    traits = []
    if not field_type.writable:
        traits.append("read-only: computed by the engine, clients cannot write it")
    if isinstance(field_type, QueryTime):
        traits.append("computed when records are read")
    if isinstance(field_type, ChildRows):
        traits.append("stored in rows of its own table")
    elif not field_type.stored:
        traits.append("no column on the entity table")
    if field_type.searchable:
        traits.append("searched by `?q=`")
    return traits


def _knowledge(field_type: FieldType) -> str:
    """What other engines ask of the type, as the catalogue serves it."""

    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    kind = field_type.filter_kind
    filters = (
        "as its options decide"
        if kind == DERIVED
        else "cannot be filtered"
        if kind is None
        else f"as `{kind}`"
    )
    cell = field_type.cell
    sheets = (
        "as its options decide"
        if cell == DERIVED
        else "never (not exported, refused on import)"
        if cell is None
        else f"as `{cell}`"
    )
    return (
        f"- **Knowledge:** numeric: {yes(field_type.numeric)}; sortable: "
        f"{yes(field_type.sortable)}; filters {filters}; in sub-tables: "
        f"{yes(field_type.in_subtable)}; spreadsheet cells {sheets}."
    )


def _summary(field_type: FieldType) -> str:
    doc = (sys.modules[type(field_type).__module__].__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def _type_section(key: str, field_type: FieldType) -> list[str]:
    label = field_type.label
    example = field_type.example
    schema = field_type.json_schema(example_field(field_type))
    definition = {"key": "example", "type": key, **example.options}
    lines = ["", f"## `{key}` — {label['en']} / {label['zh-CN']}", ""]
    summary = _summary(field_type)
    if summary:
        lines += [summary, ""]
    traits = _traits(field_type)
    if traits:
        lines += [f"*{'; '.join(traits)}.*", ""]
    lines += [
        f"- **On the wire:** {field_type.wire}.",
        _knowledge(field_type),
        f"- **JSON Schema** (with the example's options): {code(_json(schema))}",
        f"- **Example definition:** {code(_json(definition))}",
        f"- **Example value:** {code(_json(example.value))}",
        "",
        *_options_table(field_type),
    ]
    return lines


def field_types_markdown() -> str:
    """The whole page, as ``python -m engine.forms.docs`` writes it."""
    lines = [
        "# Field types",
        "",
        "Generated from the field-type registry (`engine/forms/registry.py`) by",
        "`python -m engine.forms.docs`; do not edit by hand. The common properties of",
        "every field (`key`, `label`, `required`, `unique`, `default`, `visible_when`, …)",
        "are in the [definition reference](definition-reference.md).",
        "",
        "Values travel as JSON in the records API (`/api/apps/{app}/{entity}`), in the",
        "wire format of each type below. A blank value is `null` (`[]` for lists of",
        "rows or links). The titles of referenced records, users and departments come",
        "in the record's `_display` object, keyed by field.",
        "",
        "Radio buttons and check boxes are presentations, not types: a `select` or",
        '`multiselect` with `"display": "radio"` or `"display": "checkbox"` keeps the',
        "same value and wire format as its drop-down.",
        "",
        "| type | English | 中文 | on the wire |",
        "|---|---|---|---|",
    ]
    for key, field_type in field_types.items():
        label = field_type.label
        lines.append(f"| `{key}` | {label['en']} | {label['zh-CN']} | {_cell(field_type.wire)} |")
    lines += [
        "",
        "## System fields",
        "",
        "Every record has these columns besides its fields. Clients never write them;",
        "they come back in every record and can be filtered and sorted on like fields",
        "(`id` and `version` as integers, `created_at`/`updated_at` as date-times,",
        "`created_by`/`updated_by` as user ids). A field may not use these keys.",
        "Records in the recycle bin (`GET /api/apps/{app}/{entity}/deleted`) also carry",
        "`deleted_at` and `deleted_by`.",
        "",
        "| field | on the wire | meaning |",
        "|---|---|---|",
    ]
    for key in SYSTEM_FIELDS:
        wire, meaning = SYSTEM_FIELD_DOCS[key]
        lines.append(f"| `{key}` | {wire} | {meaning} |")
    for key, field_type in field_types.items():
        lines += _type_section(key, field_type)
    return "\n".join(lines) + "\n"


def write() -> None:
    PAGE.write_text(field_types_markdown(), encoding="utf-8")


if __name__ == "__main__":
    write()
