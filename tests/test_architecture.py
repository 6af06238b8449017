"""Rules of the layout that a reviewer should not have to check by eye."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engines_and_builder_never_import_the_api() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("engine", "builder")
        for path in (ROOT / package).rglob("*.py")
        if any(m == "api" or m.startswith("api.") for m in imported_modules(path))
    ]
    assert offenders == []


def test_no_eval_or_exec_in_engines() -> None:
    offenders = []
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"eval", "exec"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
