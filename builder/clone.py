"""Cloning a template as the start of an industry variant (``crm`` → ``crm_manufacturing``).

A clone is a new template of its own: the app key changes (so its tables,
``a_<key>__<entity>``, never meet the original's in a tenant), entities,
fields, forms, views and roles keep their keys (nothing inside a definition
names its app), and the label may be replaced. The clone starts its own
version line; it does not follow upgrades of the original template.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from builder.apps import definition_json
from builder.validate import load_definition
from engine.definition import AppDefinition, Label

#: The folders of a template that travel with it (print templates, images…).
TEMPLATE_FOLDERS = ("print", "assets")


def clone_app(
    template: AppDefinition,
    new_key: str,
    label: Label | None = None,
    version: str | None = None,
) -> AppDefinition:
    """``template`` under the key ``new_key`` (validated like any definition).

    ``label`` replaces the app's label; ``version`` starts the clone's own
    version line (default: the original's version).
    """
    data = definition_json(template)
    data["key"] = new_key
    if label is not None:
        data["label"] = label
    if version is not None:
        data["version"] = version
    return load_definition(data)


def write_template(definition: AppDefinition, folder: Path, source: Path | None = None) -> Path:
    """Write a template folder: ``app.json`` and, from ``source``, its print and asset folders.

    Refuses to overwrite an existing ``app.json``.
    """
    target = folder / "app.json"
    if target.exists():
        raise FileExistsError(f"{target} exists already")
    folder.mkdir(parents=True, exist_ok=True)
    if source is not None:
        for name in TEMPLATE_FOLDERS:
            if (source / name).is_dir():
                shutil.copytree(source / name, folder / name, ignore=_links)
    write_definition(definition, target)
    return target


def _links(folder: str, names: list[str]) -> list[str]:
    # A template folder holds files; a link could pull in anything on the machine.
    return [name for name in names if (Path(folder) / name).is_symlink()]


def write_definition(definition: AppDefinition, path: Path) -> None:
    text = json.dumps(definition_json(definition), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
