"""Field types raise catalogued messages, never plain English a Chinese reader would see.

A ``FieldInvalid("must be a number")`` reads English in the Chinese UI: the
message must be ``Message("value.number")``. This scan keeps the swap from
regressing as types are added or edited.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import engine.forms.field_types as field_types

FIELD_TYPES = Path(field_types.__file__).parent
#: The error classes whose message a reader sees.
READ_BY_PEOPLE = {"FieldInvalid", "FieldError"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_text(node: ast.expr) -> bool:
    """A literal or an f-string: English written in place of a catalogued message."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def plain_messages(source: str) -> list[int]:
    """The lines of ``source`` where a reader's error gets a plain string."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _name(node.func) not in READ_BY_PEOPLE:
            continue
        # FieldInvalid(message); FieldError(field, message, label)
        told = node.args[:1] if _name(node.func) == "FieldInvalid" else node.args[1:2]
        told += [k.value for k in node.keywords if k.arg == "message"]
        if any(_is_text(arg) for arg in told):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("module", sorted(FIELD_TYPES.glob("*.py")), ids=lambda p: p.name)
def test_field_types_raise_catalogued_messages(module: Path) -> None:
    assert plain_messages(module.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('raise FieldInvalid("must be a number")', [1]),
        ('raise FieldInvalid(f"must have at most {n} rows")', [1]),
        ('errors.append(FieldError("qty", "is required"))', [1]),
        ('raise FieldInvalid(Message("value.number"))', []),
        ("raise FieldInvalid(refusal)", []),
        ('FieldError(prefix + key, Message("value.required"), label)', []),
    ],
)
def test_the_scan_finds_plain_strings(source: str, found: list[int]) -> None:
    assert plain_messages(source) == found
