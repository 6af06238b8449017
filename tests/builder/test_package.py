"""App packages: an exported app imports into another tenant as it was, and hostile
archives are refused before anything is parsed or written."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.platform import Platform
from builder import package as package_module
from builder.apps import AppAlreadyInstalled, install_app, save_draft
from builder.overlay import diff_to_overlay
from builder.package import (
    Manifest,
    PackageInvalid,
    build_package,
    export_package,
    import_package,
    read_package,
)
from builder.publish import publish
from builder.sources import app_file_contents, app_source, replace_app_files
from builder.validate import DefinitionError, load_definition
from engine.definition.versions import published_app
from tests.builder.shop import SHOP, TENANT_EDITS, Json, edited
from tests.conftest import login

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FILES = {"print/contract.html": b"<h1>{{ record.title }}</h1>", "assets/logo.svg": b"<svg/>"}


def customised_shop(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(SHOP))
        save_draft(conn, "shop", load_definition(edited(*TENANT_EDITS)))
        publish(conn, "shop", None)
        replace_app_files(conn, "shop", FILES)


def a_package() -> bytes:
    base = load_definition(SHOP)
    customised = load_definition({**edited(*TENANT_EDITS), "version": "1.0.1"})
    return build_package(customised, base, diff_to_overlay(base, customised), FILES, NOW)


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_member(name: str, content: bytes, listed: bool = True) -> bytes:
    """A valid package plus one member, listed in its manifest (so only the name decides)."""
    members = members_of(a_package())
    manifest = json.loads(members["manifest.json"])
    if listed:
        manifest["files"][name] = {
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    members["manifest.json"] = json.dumps(manifest).encode()
    members[name] = content
    return zipped(members)


# -- round trip --------------------------------------------------------------------------------
def test_an_exported_app_imports_into_another_tenant_as_it_was(
    platform: Platform, tenant: str
) -> None:
    customised_shop(platform, tenant)
    with platform.store.read(tenant) as conn:
        data = export_package(conn, "shop", now=NOW)
        again = export_package(conn, "shop", now=NOW)
        definition = published_app(conn, "shop").definition
    assert data == again  # the same app exports to the same bytes

    other = f"{tenant}_b"
    platform.store.create_tenant(other, other)
    try:
        with platform.store.write(other) as conn:
            imported = import_package(conn, data)
        assert (imported.app, imported.version, imported.files) == ("shop", "1.0.1", 2)
        assert imported.customisations == 6
        with platform.store.read(other) as conn:
            assert published_app(conn, "shop").definition == definition
            source = app_source(conn, "shop")
            assert source.stored and (source.ref.key, source.ref.version) == ("shop", "1.0.0")
            assert len(source.overlay.changes) == 6
            assert app_file_contents(conn, "shop") == FILES
            assert export_package(conn, "shop", now=NOW) == data
        # Importing the same package again changes nothing; another app of that key is refused.
        with platform.store.write(other) as conn:
            import_package(conn, data)
        changed = edited(lambda d: d.update(label={"en": "Another shop"}))
        base = load_definition(SHOP)
        overlay = diff_to_overlay(base, load_definition(changed))
        other_app = build_package(load_definition(changed), base, overlay, {}, NOW)
        with pytest.raises(AppAlreadyInstalled), platform.store.write(other) as conn:
            import_package(conn, other_app)
    finally:
        platform.runtimes.forget_tenant(other)
        platform.store.drop_tenant(other)


def test_a_package_holds_what_its_manifest_says() -> None:
    data = a_package()
    members = members_of(data)
    assert sorted(members) == [
        "assets/logo.svg",
        "definition.json",
        "manifest.json",
        "print/contract.html",
        "template.json",
    ]
    manifest = Manifest.model_validate_json(members["manifest.json"])
    assert (manifest.app, manifest.version, str(manifest.template)) == (
        "shop",
        "1.0.1",
        "shop 1.0.0",
    )
    assert len(manifest.overlay.changes) == 6
    package = read_package(data)
    assert package.files == FILES
    assert package.definition.version == "1.0.1"


def test_bundled_template_files_travel_with_an_export(
    platform: Platform, tenant: str, tmp_path: Path
) -> None:
    (tmp_path / "shop" / "print").mkdir(parents=True)
    (tmp_path / "shop" / "print" / "quote.html").write_text("<p>quote</p>")
    (tmp_path / "shop" / "print" / "link").symlink_to("/etc/passwd")
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(SHOP))
    with platform.store.read(tenant) as conn:
        package = read_package(export_package(conn, "shop", tmp_path, NOW))
    assert package.files == {"print/quote.html": b"<p>quote</p>"}


# -- hostile or broken packages -----------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "print/../../evil.txt",
        "/etc/passwd",
        "print\\..\\evil.txt",
        "C:/evil.txt",
        "print//double.txt",
        "print/./dot.txt",
        "scripts/run.sh",
        "evil.txt",
        "print/e\u0301.txt",  # not NFC
    ],
)
def test_member_paths_outside_the_known_folders_are_refused(name: str) -> None:
    with pytest.raises(PackageInvalid, match="member"):
        read_package(with_member(name, b"x"))


def test_a_link_member_is_refused() -> None:
    members = members_of(a_package())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        info = zipfile.ZipInfo("assets/passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(PackageInvalid, match="is a link"):
        read_package(buffer.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = with_member("assets/zeros.bin", b"\0" * (8 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(PackageInvalid, match="zip bomb"):
        read_package(bomb)


def test_bounds_on_size_and_count(monkeypatch: pytest.MonkeyPatch) -> None:
    data = a_package()
    monkeypatch.setattr(package_module, "MAX_PACKAGE_BYTES", len(data) - 1)
    with pytest.raises(PackageInvalid, match="larger than"):
        read_package(data)
    monkeypatch.undo()
    monkeypatch.setattr(package_module, "MAX_MEMBERS", 4)
    with pytest.raises(PackageInvalid, match="more than 4 members"):
        read_package(data)
    monkeypatch.undo()
    monkeypatch.setattr(package_module, "MAX_FILE_BYTES", 100)
    with pytest.raises(PackageInvalid, match="larger than 100 bytes"):
        read_package(data)
    monkeypatch.undo()
    monkeypatch.setattr(package_module, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(PackageInvalid, match="unpacks to more than"):
        read_package(data)


def _declaring(size: int) -> bytes:
    data = bytearray(zipped({"manifest.json": b"{}" * 100}, zipfile.ZIP_STORED))
    # The central directory's uncompressed size is at offset 24 of its header.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(data)


def test_a_member_that_lies_about_its_size_is_refused() -> None:
    with pytest.raises(PackageInvalid, match="larger than"):
        read_package(_declaring(2**31))
    with pytest.raises(PackageInvalid, match="cannot be read"):
        read_package(_declaring(10))


def test_duplicates_encryption_and_garbage_are_refused() -> None:
    members = members_of(a_package())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning):
            archive.writestr("print/Contract.html", b"x")
            archive.writestr("print/contract.html", b"x")
    with pytest.raises(PackageInvalid, match="twice"):
        read_package(buffer.getvalue())
    with pytest.raises(PackageInvalid, match="not a package"):
        read_package(b"definitely not a zip")
    encrypted = bytearray(a_package())
    local = encrypted.index(b"PK\x01\x02")
    encrypted[local + 8] |= 0x1  # the central directory's general purpose flag
    with pytest.raises(PackageInvalid, match="encrypted"):
        read_package(bytes(encrypted))


def test_the_manifest_must_describe_the_files_exactly() -> None:
    with pytest.raises(PackageInvalid, match="does not list exactly"):
        read_package(with_member("assets/extra.png", b"png", listed=False))
    members = members_of(a_package())
    members["print/contract.html"] = b"<h1>changed</h1>"
    with pytest.raises(PackageInvalid, match=r"print/contract\.html is not the file"):
        read_package(zipped(members))
    del members["manifest.json"]
    with pytest.raises(PackageInvalid, match=r"no manifest\.json"):
        read_package(zipped(members))
    members = members_of(a_package())
    members["manifest.json"] = b'{"format": "something else"}'
    with pytest.raises(PackageInvalid, match=r"manifest\.json is not valid"):
        read_package(zipped(members))


def _rewritten(name: str, data: Json) -> bytes:
    members = members_of(a_package())
    members[name] = json.dumps(data).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["files"][name] = {
        "size": len(members[name]),
        "sha256": hashlib.sha256(members[name]).hexdigest(),
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    return zipped(members)


def test_the_overlay_must_turn_the_template_into_the_definition() -> None:
    tampered = edited(*TENANT_EDITS, lambda d: d.update(version="1.0.1", label={"en": "Sneaky"}))
    with pytest.raises(PackageInvalid, match=r"does not turn template\.json into definition\.json"):
        read_package(_rewritten("definition.json", tampered))
    with pytest.raises(DefinitionError):
        read_package(_rewritten("definition.json", {"key": "shop", "version": "1.0.1"}))
    with pytest.raises(PackageInvalid, match=r"template\.json is not the template"):
        read_package(_rewritten("template.json", {**SHOP, "version": "0.9.0"}))


# -- the API ------------------------------------------------------------------------------------
def test_download_and_upload_a_package_through_the_api(
    client: TestClient, auth: dict[str, str], platform: Platform, tenant: str
) -> None:
    customised_shop(platform, tenant)
    response = client.get("/api/apps/shop/package", headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="shop-1.0.1.fwpkg"' in response.headers["content-disposition"]
    data = response.content
    assert read_package(data).definition.key == "shop"

    rep = login(client, tenant, "rep")
    assert client.get("/api/apps/shop/package", headers=rep).status_code == 403

    other = f"{tenant}_api"
    platform.store.create_tenant(other, other)
    try:
        from engine.accounts.users import create_user

        with platform.store.write(other) as conn:
            create_user(conn, platform.passwords, "admin", "pw", "Admin", is_admin=True)
        admin = login(client, other)
        files = {"package": ("shop.fwpkg", data, "application/zip")}
        created = client.post("/api/apps/import", files=files, headers=admin)
        assert created.status_code == 201, created.text
        assert created.json()["app"] == "shop" and created.json()["files"] == 2
        definition = client.get("/api/apps/shop/definition", headers=admin).json()
        assert definition["version"] == "1.0.1"

        hostile = {"package": ("evil.fwpkg", with_member("../evil", b"x"), "application/zip")}
        refused = client.post("/api/apps/import", files=hostile, headers=admin)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "package"
    finally:
        platform.runtimes.forget_tenant(other)
        platform.store.drop_tenant(other)
