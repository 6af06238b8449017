"""The definition format as JSON Schema and as a Markdown reference, for docs/.

The schema is generated from the Pydantic models and the registered field
types, so it cannot drift from what the loader accepts: ``fields`` items are
one variant per field type, each with that type's own options.

Regenerate with ``python -m builder.schema_export``; a test fails when the
committed files differ from what this produces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from engine.definition import AppDefinition, FieldDef
from engine.forms import field_type_registry

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHEMA_FILE = DOCS / "app-definition.schema.json"
REFERENCE_FILE = DOCS / "definition-reference.md"


def _field_variant(type_key: str, common: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    options = field_type_registry.get(type_key).Options.model_json_schema(
        ref_template="#/$defs/{model}"
    )
    defs.update(options.pop("$defs", {}))
    properties = {**common["properties"], **options.get("properties", {})}
    properties["type"] = {"const": type_key}
    required = sorted({"key", "type", *options.get("required", [])})
    return {
        "title": f"{type_key} field",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def definition_schema() -> dict[str, Any]:
    schema = AppDefinition.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = schema["$defs"]
    common = FieldDef.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(common.pop("$defs", {}))
    variants = [_field_variant(key, common, defs) for key in sorted(field_type_registry)]
    defs["FieldDef"] = {"title": "Field", "oneOf": variants}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Formwork app definition"
    return schema


def _type_name(prop: dict[str, Any]) -> str:
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "enum" in prop:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
    if "anyOf" in prop:
        return " or ".join(_type_name(p) for p in prop["anyOf"])
    if "oneOf" in prop:
        return "one of " + ", ".join(_type_name(p) for p in prop["oneOf"])
    if prop.get("type") == "array":
        return f"list of {_type_name(prop.get('items', {}))}"
    if prop.get("type") == "object" and "additionalProperties" in prop:
        return "map"
    return str(prop.get("type", "any"))


def _rows(model_schema: dict[str, Any]) -> list[str]:
    required = set(model_schema.get("required", []))
    rows = ["| property | type | required | default |", "|---|---|---|---|"]
    for name, prop in model_schema.get("properties", {}).items():
        default = json.dumps(prop["default"], ensure_ascii=False) if "default" in prop else ""
        rows.append(
            f"| `{name}` | {_type_name(prop)} | {'yes' if name in required else ''} | {default} |"
        )
    return rows


#: Sections whose model's docstring is printed under the table.
DESCRIBED = frozenset({"RelatedDef"})


def reference_markdown() -> str:
    schema = definition_schema()
    defs = schema["$defs"]
    lines = [
        "# App definition reference",
        "",
        "Generated from the models in `engine/definition/` and the field-type registry",
        "(`python -m builder.schema_export`); the JSON Schema is",
        "[`app-definition.schema.json`](app-definition.schema.json).",
        "Keys (`key`, field keys, entity keys) are lower-case letters, digits and `_`,",
        "starting with a letter, at most 40 characters. Labels are maps from a language",
        'tag to text: `{"zh-CN": "客户", "en": "Customer"}`.',
        "",
        "## App",
        "",
        *_rows(schema),
    ]
    for name in (
        "EntityDef",
        "RelatedDef",
        "FormDef",
        "FormSection",
        "TableView",
        "KanbanView",
        "RoleDef",
        "EntityPermission",
        "ConvertAction",
        "ConvertStep",
        "Relink",
        "ClaimAction",
        "AssignAction",
        "ReturnToPoolAction",
        "TransferAction",
        "SetFieldsAction",
        "PoolDef",
        "PoolClaim",
        "PoolAssign",
        "PoolReturn",
        "AutoReturn",
    ):
        lines += ["", f"## {name}", "", *_rows(defs[name])]
        if name in DESCRIBED:
            lines += ["", " ".join(defs[name]["description"].replace("``", "`").split())]
    lines += [
        "",
        "## Fields",
        "",
        "Every field has the common properties below; each type adds its own options.",
        "",
        *_rows(FieldDef.model_json_schema()),
    ]
    common = set(FieldDef.model_json_schema()["properties"])
    for key in sorted(field_type_registry):
        field_type = field_type_registry.get(key)
        options = field_type.Options.model_json_schema()
        own = {k: v for k, v in options.get("properties", {}).items() if k not in common}
        label = field_type.label
        lines += ["", f"### `{key}` — {label['en']} / {label['zh-CN']}", ""]
        summary = (sys.modules[type(field_type).__module__].__doc__ or "").strip()
        if summary:
            lines += [summary.splitlines()[0], ""]
        traits = []
        if not field_type.writable:
            traits.append("computed: clients cannot write it")
        if not field_type.stored:
            traits.append("no column on the entity table")
        if traits:
            lines += [f"*{'; '.join(traits)}*", ""]
        if own:
            lines += _rows({"properties": own, "required": options.get("required", [])})
        else:
            lines.append("No options of its own.")
    return "\n".join(lines) + "\n"


def write() -> None:
    DOCS.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(
        json.dumps(definition_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    REFERENCE_FILE.write_text(reference_markdown(), encoding="utf-8")


if __name__ == "__main__":
    write()
