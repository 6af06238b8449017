"""Rules of the layout that a reviewer should not have to check by eye."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The engines still to come; each is a room of its own (issue 9): they reach
#: one another through events, hooks and job kinds, never by import.
SEPARATE_ENGINES = ("flows", "rules", "reports", "print")


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module ``path`` imports, anywhere in it (functions and
    ``TYPE_CHECKING`` blocks too), as absolute dotted names.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a
    module: ``from engine import flows``); relative imports are resolved
    against the file's own package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # ``a/b/c.py`` and ``a/b/__init__.py`` both live in package ``a.b``.
    package = list(path.relative_to(root).parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offenders(root: Path, package: str, forbidden: Iterable[str]) -> list[str]:
    """``file: module`` for each import of a ``forbidden`` package under ``package``."""
    forbidden = tuple(forbidden)
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for module in sorted(imported_modules(path, root)):
            if any(within(module, f) for f in forbidden):
                found.append(f"{path.relative_to(root)}: {module}")
    return found


def unrelated_imports(root: Path, path: Path, allowed: Iterable[str]) -> list[str]:
    """Imports of ``path`` that are neither the standard library nor ``allowed``."""
    allowed = tuple(allowed)
    return [
        f"{path.relative_to(root)}: {module}"
        for module in sorted(imported_modules(path, root))
        if module.split(".")[0] not in sys.stdlib_module_names
        and not any(within(module, a) for a in allowed)
    ]


def engines_importing_each_other(root: Path) -> list[str]:
    present = [e for e in SEPARATE_ENGINES if (root / "engine" / e).is_dir()]
    return [
        found
        for engine in present
        for found in offenders(
            root, f"engine/{engine}", [f"engine.{o}" for o in SEPARATE_ENGINES if o != engine]
        )
    ]


def definition_leaks(root: Path) -> list[str]:
    """Imports of ``engine/definition`` beyond what its floor allows: the model
    modules take pydantic, the standard library and one another; ``versions.py``
    may also read the store (SQLAlchemy and ``engine.store``) and raise a
    domain error (``engine.errors``) with a catalogued message (``engine.i18n``),
    both themselves standard library only)."""
    found = []
    for path in sorted((root / "engine" / "definition").rglob("*.py")):
        allowed = ["pydantic", "engine.definition"]
        if path.name == "versions.py":
            allowed += ["sqlalchemy", "engine.store", "engine.errors", "engine.i18n"]
        found += unrelated_imports(root, path, allowed)
    return found


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


def test_engines_never_import_the_builder() -> None:
    # The builder authors definitions on top of the engines; an engine that
    # reached up into it would tie the runtime to authoring again.
    assert offenders(ROOT, "engine", ["builder"]) == []


def test_the_definition_model_imports_only_pydantic_and_the_standard_library() -> None:
    assert definition_leaks(ROOT) == []


def test_flows_rules_reports_and_print_never_import_one_another() -> None:
    assert engines_importing_each_other(ROOT) == []


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checks_see_every_form_of_import(tmp_path: Path) -> None:
    """The rules above would pass vacuously if the parsing missed an import:
    a small tree that breaks each rule in a different way must be caught."""
    _write(tmp_path, "engine/__init__.py", "")
    _write(tmp_path, "engine/definition/__init__.py", "from .app import App\n")
    _write(tmp_path, "engine/definition/app.py", "import pydantic\nimport json\nimport yaml\n")
    _write(tmp_path, "engine/definition/roles.py", "from engine.forms import runtime\n")
    _write(tmp_path, "engine/definition/views.py", "from sqlalchemy import select\n")
    _write(tmp_path, "engine/definition/versions.py", "import sqlalchemy\nimport engine.store\n")
    _write(tmp_path, "engine/flows/__init__.py", "from engine import rules\n")
    _write(tmp_path, "engine/flows/nodes.py", "def f():\n    from ..print import render\n")
    _write(tmp_path, "engine/rules/__init__.py", "import engine.reports.sql\n")
    _write(tmp_path, "engine/reports/__init__.py", "from engine.forms import records\n")
    _write(tmp_path, "engine/forms/records.py", "from builder.apps import install_app\n")
    _write(tmp_path, "engine/forms/api_use.py", "if True:\n    import api.platform\n")

    assert definition_leaks(tmp_path) == [
        "engine/definition/app.py: yaml",
        "engine/definition/roles.py: engine.forms",
        "engine/definition/roles.py: engine.forms.runtime",
        "engine/definition/views.py: sqlalchemy",
        "engine/definition/views.py: sqlalchemy.select",
    ]
    assert engines_importing_each_other(tmp_path) == [
        "engine/flows/__init__.py: engine.rules",
        "engine/flows/nodes.py: engine.print",
        "engine/flows/nodes.py: engine.print.render",
        "engine/rules/__init__.py: engine.reports.sql",
    ]
    assert offenders(tmp_path, "engine", ["builder"]) == [
        "engine/forms/records.py: builder.apps",
        "engine/forms/records.py: builder.apps.install_app",
    ]
    assert offenders(tmp_path, "engine", ["api"]) == ["engine/forms/api_use.py: api.platform"]


#: The one module that inserts into the audit log (record events reach it
#: through ``engine.forms.events.emit``; other rows through ``write_audit``).
AUDIT_WRITER = "engine/store/audit.py"


def audit_inserts(root: Path) -> list[str]:
    """``file:line`` of each insert into ``audit_log`` outside the audit writer.

    Catches ``insert(audit_log)``, ``audit_log.insert()`` and a bulk helper
    given the table (``insert_many(conn, audit_log, rows)``).
    """
    found = []
    for package in ("engine", "builder", "api", "bench"):
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name == AUDIT_WRITER:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                names_table = any(
                    isinstance(arg, ast.Name) and arg.id == "audit_log" for arg in node.args
                )
                on_table = (
                    isinstance(func, ast.Attribute)
                    and func.attr == "insert"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "audit_log"
                )
                if on_table or (names_table and callee.startswith("insert")):
                    found.append(f"{name}:{node.lineno}")
    return found


def test_only_the_audit_writer_inserts_audit_rows() -> None:
    assert audit_inserts(ROOT) == []


def test_the_audit_insert_check_finds_each_form(tmp_path: Path) -> None:
    (tmp_path / "engine" / "store").mkdir(parents=True)
    (tmp_path / "builder").mkdir()
    (tmp_path / AUDIT_WRITER).write_text("insert(audit_log)\n")
    (tmp_path / "engine" / "a.py").write_text(
        "conn.execute(insert(audit_log).values(at=1))\nselect(audit_log)\n"
    )
    (tmp_path / "builder" / "b.py").write_text(
        "x = 1\naudit_log.insert()\ninsert_many(conn, audit_log, rows)\n"
    )
    assert audit_inserts(tmp_path) == ["engine/a.py:1", "builder/b.py:2", "builder/b.py:3"]


def test_engine_tests_never_import_the_api() -> None:
    # Engine tests build ``engine.platform.Platform``: the engines must be
    # testable without the HTTP layer (issue 9, item 6).
    assert offenders(ROOT, "tests/engine", ["api"]) == []


#: Where code may reach the forms engine: its façade ``engine/forms/__init__.py``.
FORMS = "engine/forms"
#: Modules of ``engine/forms`` that are public besides the façade, and the
#: packages that may import each: planning a publish needs table names and
#: draft checks no runtime caller does (docs/architecture.md).
FORMS_PUBLIC = {"authoring": ("builder",)}


def imports_from(path: Path, root: Path = ROOT) -> list[tuple[str, str | None]]:
    """``(module, name)`` per imported name of ``path`` (``name`` is ``None``
    for ``import a.b``), relative imports resolved as ``imported_modules`` does."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(root).parts[:-1])
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found += [(module, alias.name) for alias in node.names]
    return found


def facade_exports(root: Path) -> set[str]:
    """The names in the façade's ``__all__``."""
    tree = ast.parse((root / FORMS / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return {
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return set()


def forms_internal_imports(root: Path, packages: Iterable[str]) -> list[str]:
    """``file: module`` for each import of a module inside ``engine/forms``
    (``engine.forms.records``, or ``from engine.forms import records``) by a
    file of ``packages`` outside it. Names the façade exports are fine, even
    one spelled like a module (``from engine.forms import input_rules`` is the
    function); so is a ``FORMS_PUBLIC`` module from a package it names."""
    internals = {
        p.stem
        for p in (root / FORMS).iterdir()
        if p.name != "__init__.py" and p.suffix in {".py", ""}
    }
    exported = facade_exports(root)
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if path.is_relative_to(root / FORMS):
                continue
            name = path.relative_to(root).as_posix()
            for module, imported in imports_from(path, root):
                parts = module.split(".")
                if parts[:2] != ["engine", "forms"]:
                    continue
                if len(parts) == 2:
                    if imported is None or imported in exported or imported not in internals:
                        continue
                    parts = [*parts, imported]
                if parts[2] not in internals:
                    continue
                if any(name.startswith(p + "/") for p in FORMS_PUBLIC.get(parts[2], ())):
                    continue
                found.append(f"{name}: {'.'.join(parts)}")
    return sorted(set(found))


def test_other_packages_use_only_the_forms_facade() -> None:
    # No exception: ``api/``, ``builder/``, the jobs kernel and every engine
    # reach the forms engine through its façade (issue 9, item 2).
    assert forms_internal_imports(ROOT, ("api", "engine", "builder", "bench")) == []


def test_the_facade_check_sees_internals_but_not_exported_names(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "engine/forms/__init__.py",
        "from engine.forms.records import get_record\n"
        "from engine.forms.rules import input_rules\n"
        "__all__ = ['get_record', 'input_rules']\n",
    )
    _write(tmp_path, "engine/forms/records.py", "from engine.forms.context import ReadContext\n")
    _write(tmp_path, "engine/forms/input_rules.py", "")
    _write(tmp_path, "engine/forms/authoring.py", "from engine.forms.naming import table\n")
    _write(tmp_path, "engine/forms/filters/__init__.py", "")
    _write(tmp_path, "engine/reports/__init__.py", "from engine.forms import get_record, Hooks\n")
    _write(tmp_path, "engine/reports/a.py", "from engine.forms import records, input_rules\n")
    _write(tmp_path, "engine/reports/b.py", "def f():\n    import engine.forms.filters.model\n")
    _write(tmp_path, "engine/reports/c.py", "import engine.forms.input_rules\n")
    _write(tmp_path, "engine/reports/d.py", "from engine.forms.authoring import table\n")
    _write(tmp_path, "builder/e.py", "from engine.forms.authoring import table\n")
    _write(tmp_path, "engine/reports/g.py", "from ..forms import filters\n")
    _write(tmp_path, "api/c.py", "from engine.forms.records import get_record\n")
    assert forms_internal_imports(tmp_path, ("api", "engine", "builder")) == [
        "api/c.py: engine.forms.records",
        "engine/reports/a.py: engine.forms.records",
        "engine/reports/b.py: engine.forms.filters.model",
        "engine/reports/c.py: engine.forms.input_rules",
        "engine/reports/d.py: engine.forms.authoring",
        "engine/reports/g.py: engine.forms.filters",
    ]


#: Kernel packages the engines share: they know nothing of the engines, so a
#: flow and a rule both notify, send and schedule through them (issue 10).
KERNEL_PACKAGES = ("engine/messaging", "engine/templating", "engine/jobs")


def test_the_kernel_packages_never_import_an_engine() -> None:
    engines = [f"engine.{e}" for e in (*SEPARATE_ENGINES, "actions")]
    found = [f for package in KERNEL_PACKAGES for f in offenders(ROOT, package, engines)]
    assert found == []


def test_the_kernel_check_finds_an_engine_import(tmp_path: Path) -> None:
    _write(tmp_path, "engine/messaging/a.py", "from engine.rules import catalogue\n")
    assert offenders(tmp_path, "engine/messaging", ["engine.rules"]) == [
        "engine/messaging/a.py: engine.rules",
        "engine/messaging/a.py: engine.rules.catalogue",
    ]
