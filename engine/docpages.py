"""What the generated docs pages share: Markdown code spans, the limits of a
JSON-schema property in words, and the command line that writes a page or
checks that the committed one is current (``python -m engine.rules.docs``)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: JSON-schema keywords of limits, as a table cell says them.
_LIMIT_WORDS = {
    "minimum": "≥",
    "exclusiveMinimum": ">",
    "maximum": "≤",
    "exclusiveMaximum": "<",
    "minLength": "length ≥",
    "maxLength": "length ≤",
    "minItems": "items ≥",
    "maxItems": "items ≤",
}


def code(value: Any) -> str:
    """A Markdown code span of a text (or of a value as JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # A backtick inside the text needs a longer fence around it.
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def limits(prop: dict[str, Any]) -> str:
    """``≥ 1, length ≤ 40, matches `^[a-z]…`'': a property's limits in words."""
    parts = [f"{word} {number(prop[name])}" for name, word in _LIMIT_WORDS.items() if name in prop]
    if "pattern" in prop:
        parts.append(f"matches {code(prop['pattern'])}")
    return ", ".join(parts)


def write_or_check(
    path: Path, generate: Callable[[], str], module: str, argv: list[str] | None = None
) -> int:
    """The command line of a generated page: write it, or with ``--check``
    fail when the committed one differs from what ``generate`` makes now."""
    parser = argparse.ArgumentParser(description=f"Generate {path.name}")
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run python -m {module}")
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


__all__ = ["code", "limits", "number", "write_or_check"]
