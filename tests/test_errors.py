"""Every domain error carries a real answer; the base stays free of the layers above."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import pytest

import api
import builder
import engine
from engine.errors import TITLES, DomainError, ProblemDetails


def _import_everything() -> None:
    """Import every module of the three packages, so that every subclass exists."""
    for package in (engine, builder, api):
        prefix = f"{package.__name__}."
        for module in pkgutil.walk_packages(package.__path__, prefix):
            importlib.import_module(module.name)


def _subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    found: set[type[DomainError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _domain_errors() -> list[type[DomainError]]:
    _import_everything()
    found = _subclasses(DomainError)
    # Test doubles defined in test modules are not the application's errors.
    return sorted(
        (c for c in found if not c.__module__.startswith("tests")),
        key=lambda c: f"{c.__module__}.{c.__qualname__}",
    )


def test_the_walk_finds_the_errors_of_every_layer() -> None:
    names = {c.__name__ for c in _domain_errors()}
    # One per layer and kind of answer: if the walk missed a package, this says so.
    assert {
        "RecordInvalid",
        "StaleVersion",
        "AccessDenied",
        "SlotsBusy",
        "LoginThrottled",
        "JobNotFound",
        "AppNotFound",
        "DefinitionError",
        "PlanRefused",
        "UpgradeConflicts",
        "ApiError",
    } <= names


@pytest.mark.parametrize("cls", _domain_errors(), ids=lambda c: c.__qualname__)
def test_each_domain_error_has_a_status_and_its_title(cls: type[DomainError]) -> None:
    assert isinstance(cls.status, int)
    assert 400 <= cls.status <= 599, f"{cls.__qualname__}: status {cls.status}"
    # Problems are ``type: about:blank``: the title is the status' own phrase (RFC 9457).
    assert cls.title == TITLES.get(cls.status), f"{cls.__qualname__}: title {cls.title!r}"


class _Busy(DomainError):
    status = 429
    title = "Too many requests"


def test_the_default_problem_is_the_message_alone() -> None:
    err = _Busy("slow down")
    assert err.to_problem() == ProblemDetails(429, "Too many requests", "slow down")
    err.retry_after = 7
    assert err.to_problem().retry_after == 7
    assert err.to_problem().members == {}


def test_engine_errors_imports_only_the_standard_library() -> None:
    source = Path(sys.modules["engine.errors"].__file__ or "").read_text()
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported, "the walk found no imports at all"
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
