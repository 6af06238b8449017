"""Cloning a template as the start of an industry variant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.clone import clone_app, write_template
from builder.validate import DefinitionError, load_definition
from tests.builder.shop import SHOP


def test_a_clone_changes_the_app_key_and_nothing_inside() -> None:
    clone = clone_app(load_definition(SHOP), "shop_fashion", {"en": "Fashion"}, "0.1.0")
    assert (clone.key, clone.version, clone.label) == ("shop_fashion", "0.1.0", {"en": "Fashion"})
    original = load_definition(SHOP).model_dump(exclude={"key", "version", "label"})
    assert clone.model_dump(exclude={"key", "version", "label"}) == original


def test_a_clone_key_is_checked_like_any_app_key() -> None:
    with pytest.raises(DefinitionError) as err:
        clone_app(load_definition(SHOP), "Shop-Fashion")
    assert err.value.issues[0].path == "$.key"


def test_a_cloned_template_folder_brings_print_and_assets_but_no_links(tmp_path: Path) -> None:
    source = tmp_path / "shop"
    (source / "print").mkdir(parents=True)
    (source / "print" / "quote.html").write_text("<p>quote</p>")
    (source / "print" / "secret").symlink_to("/etc/passwd")
    (source / "assets").mkdir()
    (source / "assets" / "logo.svg").write_text("<svg/>")
    (source / "notes.txt").write_text("not a template folder")
    clone = clone_app(load_definition(SHOP), "shop_fashion")
    target = tmp_path / "shop_fashion"
    written = write_template(clone, target, source)
    assert json.loads(written.read_text(encoding="utf-8"))["key"] == "shop_fashion"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "app.json",
        "assets",
        "assets/logo.svg",
        "print",
        "print/quote.html",
    ]
    with pytest.raises(FileExistsError):
        write_template(clone, target, source)
