"""``formwork app clone|customise|overlay|upgrade|export|import`` through the command line,
on SQLite in a temporary data dir (as an implementer runs them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from api.platform import Platform
from api.settings import Settings
from builder.overlay import diff_to_overlay
from builder.validate import load_definition
from engine.definition import AppDefinition
from engine.definition.versions import published_app
from tests.builder.shop import SHOP, SHOP_1_1, TENANT_EDITS, Json, edited, field, remove_phone

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FORMWORK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FORMWORK_PASSWORD_PROFILE", "fast")
    monkeypatch.delenv("FORMWORK_DATABASE_URL", raising=False)
    yield tmp_path


def formwork(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> Result:
    result = formwork(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def published(tenant: str, app_key: str = "shop") -> Json:
    platform = Platform(Settings.from_env())
    try:
        with platform.store.read(tenant) as conn:
            return published_app(conn, app_key).definition
    finally:
        platform.close()


def change_set(base: Json, target: Json) -> Json:
    """A template version as changes to the one before (what a vendor ships)."""
    overlay = diff_to_overlay(load_definition(base), load_definition(target)).to_json()
    return {**overlay, "version": target["version"]}


def last_json(output: str) -> Json:
    data: Json = json.loads(output.strip().splitlines()[-1])
    return data


@pytest.fixture
def acme(workdir: Path) -> str:
    """Tenant acme with the shop template installed and customised from an overlay file."""
    ok("tenant", "create", "acme", "--admin-password", "pw")
    ok("app", "install", write(workdir / "shop.json", SHOP), "--tenant", "acme")
    base = load_definition(SHOP)
    overlay = diff_to_overlay(base, load_definition(edited(*TENANT_EDITS)))
    ok(
        "app",
        "customise",
        "shop",
        "--tenant",
        "acme",
        "--overlay",
        write(workdir / "ov.json", overlay.to_json()),
    )
    return "acme"


def test_customise_and_print_the_overlay(acme: str) -> None:
    result = ok("app", "overlay", "shop", "--tenant", acme)
    overlay = json.loads(result.output)
    assert overlay["base"] == {"key": "shop", "version": "1.0.0"}
    assert len(overlay["changes"]) == 6
    assert published(acme)["version"] == "1.0.1"


def test_upgrade_prints_the_plan_and_applies_only_when_confirmed(acme: str, workdir: Path) -> None:
    changes = write(workdir / "shop_1_1_0_changes.json", change_set(SHOP, SHOP_1_1))
    asked = formwork(
        "app", "upgrade", "shop", "--tenant", acme, "--to", "1.1.0", "--from", changes, input="n\n"
    )
    assert asked.exit_code == 1
    assert "Upgrade shop: template shop 1.0.0 → 1.1.0" in asked.output
    assert "add the email field customer.email" in asked.output
    assert "applied   add_field:customer.wechat" in asked.output
    assert "Schema migration 1.0.1 → 1.1.0" in asked.output
    assert "Apply this upgrade?" in asked.output
    assert published(acme)["version"] == "1.0.1"

    done = ok(
        "app", "upgrade", "shop", "--tenant", acme, "--to", "1.1.0", "--from", changes, "--yes"
    )
    assert last_json(done.output)["template_version"] == "1.1.0"
    now = published(acme)
    assert now["version"] == "1.1.0"
    assert field(now, "customer", "wechat")["label"] == {"en": "WeChat"}
    assert [o["value"] for o in field(now, "deal", "stage")["options"]] == [
        "new",
        "pilot",
        "negotiation",
        "won",
        "lost",
    ]


def test_upgrade_reports_conflicts_and_takes_resolutions(acme: str, workdir: Path) -> None:
    removing = write(workdir / "shop_1_1.json", edited(remove_phone, data=SHOP_1_1))
    args = ("app", "upgrade", "shop", "--tenant", acme, "--to", "1.1.0", "--from", removing)
    refused = formwork(*args, "--yes")
    assert refused.exit_code == 1
    assert "Conflicts (1)" in refused.output
    assert "relabel:customer.phone [missing_target]" in refused.output
    assert "nothing was changed" in refused.output
    assert published(acme)["version"] == "1.0.1"

    ok(*args, "--yes", "--drop", "relabel:customer.phone")
    assert published(acme)["version"] == "1.1.0"


def test_upgrade_checks_the_version_it_is_given(acme: str, workdir: Path) -> None:
    newer = write(workdir / "shop_1_1.json", SHOP_1_1)
    wrong = formwork("app", "upgrade", "shop", "--tenant", acme, "--to", "1.2.0", "--from", newer)
    assert wrong.exit_code == 1
    assert "is shop 1.1.0, not 1.2.0" in wrong.output
    bundled = formwork("app", "upgrade", "shop", "--tenant", acme, "--to", "1.1.0")
    assert bundled.exit_code == 1
    assert "no bundled template 'shop'" in bundled.output
    resolved = formwork(
        "app",
        "upgrade",
        "shop",
        "--tenant",
        acme,
        "--to",
        "1.1.0",
        "--from",
        newer,
        "--keep",
        "x",
        "--drop",
        "x",
    )
    assert resolved.exit_code != 0
    assert "kept and dropped at once" in resolved.output


def test_export_and_import_a_package(acme: str, workdir: Path) -> None:
    package = workdir / "shop.fwpkg"
    exported = ok("app", "export", "shop", "--tenant", acme, "--out", str(package))
    assert last_json(exported.output)["bytes"] == package.stat().st_size
    ok("tenant", "create", "beta")
    imported = last_json(ok("app", "import", str(package), "--tenant", "beta").output)
    assert (imported["app"], imported["version"], imported["customisations"]) == (
        "shop",
        "1.0.1",
        6,
    )
    assert published("beta") == published(acme)

    (workdir / "bad.fwpkg").write_bytes(b"not a zip")
    bad = formwork("app", "import", str(workdir / "bad.fwpkg"), "--tenant", "beta")
    assert bad.exit_code == 1 and "not a package" in bad.output


def test_clone_a_template_into_a_file_and_a_tenant(acme: str, workdir: Path) -> None:
    source = str(workdir / "shop.json")
    out = workdir / "fashion.json"
    result = ok(
        "app",
        "clone",
        source,
        "--as",
        "shop_fashion",
        "--out",
        str(out),
        "--label",
        "en=Fashion shop",
    )
    assert last_json(result.output) == {
        "app": "shop_fashion",
        "version": "1.0.0",
        "written": str(out),
    }
    clone = AppDefinition.model_validate_json(out.read_text(encoding="utf-8"))
    assert (clone.key, clone.label) == ("shop_fashion", {"en": "Fashion shop"})
    assert [e.key for e in clone.entities] == ["customer", "deal"]
    again = formwork("app", "clone", source, "--as", "shop_fashion", "--out", str(out))
    assert again.exit_code == 1 and "exists already" in again.output

    installed = ok("app", "clone", source, "--as", "shop_b", "--tenant", acme)
    assert last_json(installed.output)["installed"]["tenant"] == acme
    assert published(acme, "shop_b")["key"] == "shop_b"
    assert published(acme, "shop")["version"] == "1.0.1"  # the original is untouched


def test_unknown_tenant_or_app_is_a_clean_error(acme: str) -> None:
    missing = formwork("app", "overlay", "nothing", "--tenant", acme)
    assert missing.exit_code == 1 and "there is no app 'nothing'" in missing.output
    nobody = formwork("app", "export", "shop", "--tenant", "nobody", "--out", "x.fwpkg")
    assert nobody.exit_code == 1
