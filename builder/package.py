"""App packages: one file (``.fwpkg``, a zip) that carries an app from one tenant to another.

Layout::

    manifest.json     format, app key and version, template (key, version),
                      the overlay, and the size and SHA-256 of every other file
    definition.json   the app's published definition
    template.json     the template version it is based on (so the imported
                      app can still be upgraded)
    print/…           print templates
    assets/…          images and other files the app uses

Reading a package trusts nothing: the archive, every member's size (as
declared and as read), the count of members, the compression ratio, each
path (normalised, relative, no ``..``, no links, only the folders above)
are bounded or checked before anything is parsed, and the overlay must turn
``template.json`` into ``definition.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import Connection

from builder.apps import definition_json, install_app
from builder.clone import TEMPLATE_FOLDERS
from builder.overlay import Overlay, TemplateRef, apply_overlay, diff_to_overlay
from builder.sources import app_file_contents, app_source, record_source, replace_app_files
from builder.validate import DefinitionError, load_definition
from engine.definition import AppDefinition, Key
from engine.definition.versions import published_app
from engine.errors import DomainError

FORMAT = "formwork-app-package"
FORMAT_VERSION = 1
MANIFEST, DEFINITION, TEMPLATE = "manifest.json", "definition.json", "template.json"

#: The bounds of a package (a zip bomb or a flood of members is refused before it is read).
MAX_PACKAGE_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
#: Uncompressed/compressed size above which a member (of more than RATIO_FLOOR bytes) is refused.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
MAX_PATH = 255

#: Fixed member timestamps, so the same app exports to the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


class PackageInvalid(DomainError, ValueError):
    """A package that is refused; the message says what is wrong with it (422)."""

    status = 422
    title = "Invalid input"

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": "package", "message": str(self)}]


class FileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int = Field(ge=0)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["formwork-app-package"]
    format_version: Literal[1]
    app: Key
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    template: TemplateRef
    overlay: Overlay
    files: dict[str, FileEntry]
    exported_at: str | None = None


@dataclass(frozen=True)
class Package:
    manifest: Manifest
    definition: AppDefinition
    template: AppDefinition
    #: Print templates and assets by path (``print/contract.html``).
    files: dict[str, bytes]


@dataclass(frozen=True)
class Imported:
    app: str
    version: str
    version_id: int
    template: TemplateRef
    customisations: int
    files: int

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "version": self.version,
            "version_id": self.version_id,
            "template": self.template.model_dump(mode="json"),
            "customisations": self.customisations,
            "files": self.files,
        }


# -- writing ----------------------------------------------------------------------------
def template_files(templates: Path | None, key: str) -> dict[str, bytes]:
    """The print and asset files of a bundled template folder (links are skipped)."""
    found: dict[str, bytes] = {}
    if templates is None:
        return found
    root = templates / key
    for folder in TEMPLATE_FOLDERS:
        if not (root / folder).is_dir() or (root / folder).is_symlink():
            continue
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def build_package(
    definition: AppDefinition,
    template: AppDefinition,
    overlay: Overlay,
    files: dict[str, bytes],
    exported_at: datetime | None = None,
) -> bytes:
    """The bytes of a package; the same input gives the same bytes."""
    for path in files:
        check_path(path)
    members = {
        DEFINITION: _json_bytes(definition_json(definition)),
        TEMPLATE: _json_bytes(definition_json(template)),
        **files,
    }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app": definition.key,
        "version": definition.version,
        "template": {"key": template.key, "version": template.version},
        "overlay": overlay.to_json(),
        "files": {
            path: {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            for path, content in sorted(members.items())
        },
        **({"exported_at": exported_at.isoformat()} if exported_at else {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in [(MANIFEST, _json_bytes(manifest)), *sorted(members.items())]:
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def export_package(
    conn: Connection, app_key: str, templates: Path | None = None, now: datetime | None = None
) -> bytes:
    """Package the app's published definition, its template version, overlay and files.

    Files: the bundled template folder's ``print/`` and ``assets/`` (when
    ``templates`` is given), overridden by the files an import brought.
    """
    source = app_source(conn, app_key)
    published = AppDefinition.model_validate(published_app(conn, app_key).definition)
    overlay = diff_to_overlay(source.template, published)
    files = {**template_files(templates, source.template.key), **app_file_contents(conn, app_key)}
    return build_package(published, source.template, overlay, files, now or datetime.now(UTC))


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


# -- reading ----------------------------------------------------------------------------
def check_path(name: str) -> str:
    """A member path as it must be: relative, normalised, in a known place."""
    if not name or len(name) > MAX_PATH:
        raise PackageInvalid(f"member path {name[:80]!r} is empty or longer than {MAX_PATH}")
    if "\\" in name or "\x00" in name or ":" in name or name.startswith("/"):
        raise PackageInvalid(f"member path {name!r} is not a relative POSIX path")
    if unicodedata.normalize("NFC", name) != name or posixpath.normpath(name) != name:
        raise PackageInvalid(f"member path {name!r} is not normalised")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise PackageInvalid(f"member path {name!r} leaves its folder")
    if name in (MANIFEST, DEFINITION, TEMPLATE):
        return name
    if len(parts) < 2 or parts[0] not in TEMPLATE_FOLDERS:
        raise PackageInvalid(
            f"member {name!r} is not expected: a package holds {MANIFEST}, {DEFINITION}, "
            f"{TEMPLATE} and the folders {', '.join(TEMPLATE_FOLDERS)}"
        )
    return name


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageInvalid(f"the package has more than {MAX_MEMBERS} members")
    files: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    declared = 0
    for info in infos:
        name = info.filename
        if info.is_dir():
            # A folder entry is harmless once its path is one a file could have.
            check_path(name.rstrip("/") + "/_")
            continue
        check_path(name)
        if name.casefold() in seen:
            raise PackageInvalid(f"member {name!r} is in the package twice")
        seen.add(name.casefold())
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PackageInvalid(f"member {name!r} is a link")
        if info.flag_bits & 0x1:
            raise PackageInvalid(f"member {name!r} is encrypted")
        if info.file_size > MAX_FILE_BYTES:
            raise PackageInvalid(f"member {name!r} is larger than {MAX_FILE_BYTES} bytes")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageInvalid(f"member {name!r} is compressed suspiciously well (a zip bomb?)")
        declared += info.file_size
        if declared > MAX_TOTAL_BYTES:
            raise PackageInvalid(f"the package unpacks to more than {MAX_TOTAL_BYTES} bytes")
        files.append(info)
    return files


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # The declared size may lie: never read more than the bound, and compare.
    with archive.open(info) as member:
        content = member.read(MAX_FILE_BYTES + 1)
    if len(content) != info.file_size:
        raise PackageInvalid(f"member {info.filename!r} is not the size it declares")
    return content


def read_package(data: bytes) -> Package:
    """Check and parse a package; raises ``PackageInvalid`` (or ``DefinitionError``)."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageInvalid(f"the package is larger than {MAX_PACKAGE_BYTES} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as err:
        raise PackageInvalid(f"not a package (zip) file: {err}") from None
    with archive:
        try:
            contents = {info.filename: _read(archive, info) for info in _members(archive)}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as err:
            raise PackageInvalid(f"the package cannot be read: {err}") from None
    for required in (MANIFEST, DEFINITION, TEMPLATE):
        if required not in contents:
            raise PackageInvalid(f"the package has no {required}")
    manifest = _manifest(contents.pop(MANIFEST))
    _check_files(manifest, contents)
    definition = load_definition(contents.pop(DEFINITION))
    template = load_definition(contents.pop(TEMPLATE))
    _check_consistent(manifest, definition, template)
    return Package(manifest, definition, template, contents)


def _manifest(content: bytes) -> Manifest:
    try:
        return Manifest.model_validate_json(content)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PackageInvalid(f"{MANIFEST} is not valid: {where}: {first['msg']}") from None


def _check_files(manifest: Manifest, contents: dict[str, bytes]) -> None:
    listed, present = set(manifest.files), set(contents)
    if listed != present:
        odd = sorted(listed ^ present)
        raise PackageInvalid(f"{MANIFEST} does not list exactly the package's files: {odd}")
    for path, entry in manifest.files.items():
        content = contents[path]
        if len(content) != entry.size or hashlib.sha256(content).hexdigest() != entry.sha256:
            raise PackageInvalid(f"{path} is not the file {MANIFEST} describes")


def _check_consistent(
    manifest: Manifest, definition: AppDefinition, template: AppDefinition
) -> None:
    if (definition.key, definition.version) != (manifest.app, manifest.version):
        raise PackageInvalid(f"{DEFINITION} is not {manifest.app} {manifest.version}")
    ref = TemplateRef(key=template.key, version=template.version)
    if ref != manifest.template or manifest.overlay.base != ref:
        raise PackageInvalid(f"{TEMPLATE} is not the template {MANIFEST} names")
    applied = apply_overlay(template, manifest.overlay)
    effective = applied.definition
    if not applied.ok or effective is None or _content(effective) != _content(definition):
        raise PackageInvalid(f"the overlay does not turn {TEMPLATE} into {DEFINITION}")


def _content(definition: AppDefinition) -> dict[str, Any]:
    return {k: v for k, v in definition_json(definition).items() if k not in ("key", "version")}


def import_package(conn: Connection, data: bytes, user_id: int | None = None) -> Imported:
    """Install the app a package carries, with its template source, overlay and files.

    All in the caller's transaction. An app of that key already installed
    with other content is refused (``AppAlreadyInstalled``): upgrade it instead.
    """
    package = read_package(data)
    version_id = install_app(conn, package.definition, user_id)
    record_source(conn, package.definition.key, package.template, package.manifest.overlay, user_id)
    replace_app_files(conn, package.definition.key, package.files)
    return Imported(
        package.definition.key,
        package.definition.version,
        version_id,
        package.manifest.template,
        len(package.manifest.overlay.changes),
        len(package.files),
    )


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_PACKAGE_BYTES",
    "DefinitionError",
    "Imported",
    "Package",
    "PackageInvalid",
    "build_package",
    "export_package",
    "import_package",
    "read_package",
]
