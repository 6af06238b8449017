"""Template versions given as full definitions or as change sets on an earlier version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.apps import definition_json
from builder.overlay import TemplateRef, diff_to_overlay
from builder.templates import TemplateError, bundled_template, load_template, template_version
from builder.validate import DefinitionError, load_definition
from engine.definition import AppDefinition
from tests.builder.shop import SHOP, SHOP_1_1, Json, edited, relabel_phone, remove_phone

BASE = load_definition(SHOP)


def change_set(target: Json) -> Json:
    overlay = diff_to_overlay(BASE, load_definition(target)).to_json()
    return {**overlay, "version": target["version"]}


def only_base(ref: TemplateRef) -> AppDefinition | None:
    return BASE if ref == TemplateRef(key="shop", version="1.0.0") else None


def test_a_change_set_builds_the_next_version_from_its_base() -> None:
    built = load_template(json.dumps(change_set(SHOP_1_1)), only_base)
    assert definition_json(built) == definition_json(load_definition(SHOP_1_1))


def test_a_change_set_needs_its_base_and_must_apply_cleanly() -> None:
    with pytest.raises(TemplateError, match="which is neither"):
        load_template(change_set(SHOP_1_1), lambda ref: None)
    relabelling = change_set(edited(relabel_phone, data=SHOP_1_1))
    without_phone = load_definition(edited(remove_phone, data=SHOP))
    with pytest.raises(TemplateError, match="does not apply"):
        load_template(relabelling, lambda ref: without_phone)
    with pytest.raises(DefinitionError) as err:
        load_template({"base": {"key": "shop", "version": "1.0.0"}, "changes": []}, only_base)
    assert {issue.path for issue in err.value.issues} == {"$.version", "$.changes"}


def test_the_bundled_version_and_the_version_asked_for(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "app.json").write_text(json.dumps(SHOP_1_1))
    assert bundled_template(tmp_path, "shop") is not None
    assert bundled_template(tmp_path, "../shop") is None
    assert template_version(tmp_path, BASE, "1.1.0").version == "1.1.0"
    with pytest.raises(TemplateError, match=r"not 1\.2\.0"):
        template_version(tmp_path, BASE, "1.2.0")
    # A change set may build on the bundled version as well as on the app's own base.
    newer = edited(lambda d: d.update(version="1.2.0", description={"en": "Newer"}), data=SHOP_1_1)
    changes = diff_to_overlay(load_definition(SHOP_1_1), load_definition(newer)).to_json()
    built = template_version(tmp_path, BASE, "1.2.0", {**changes, "version": "1.2.0"})
    assert built.description == {"en": "Newer"}
