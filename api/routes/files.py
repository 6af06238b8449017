"""Uploading files that records attach, and downloading them through signed URLs.

Files live under ``<data dir>/files/<tenant>/`` with a random name; their
descriptors live in the tenant's ``files`` table, so a file id only resolves
inside its own tenant.

* ``POST /api/files`` stores an upload with the content type its bytes show
  (``engine.files.sniff``), never the one the client claimed.
* ``GET /api/files/{id}`` answers the descriptor and a short-lived signed URL
  to whoever may read the file (``engine.files.access``): someone who may read
  a record and a field that holds it, or its uploader while no record does.
* ``GET /api/files/{id}/content?tenant=…&user=…&exp=…&sig=…`` is that URL: no
  bearer token (an ``<img>`` cannot send one); the signature stands in for
  the login, and the user and their access are checked again. It always
  answers as a download (``Content-Disposition: attachment``, ``nosniff``).
"""

from __future__ import annotations

import re
import time
import unicodedata
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import Connection, insert

from api.deps import CurrentPrincipal, PlatformDep
from api.platform import Platform
from api.problems import ApiError
from engine.accounts.users import User, get_user
from engine.definition.versions import published_app_keys
from engine.files.access import StoredFile, find_file, may_read_file
from engine.files.ids import valid_file_id
from engine.files.signing import FileUrlSigner
from engine.files.sniff import sniff_file
from engine.forms import AppRuntime
from engine.i18n import Message
from engine.store.tables import files

router = APIRouter(prefix="/api/files", tags=["files"])
CHUNK = 1024 * 1024
#: Characters that never belong in a stored file name (controls, path separators).
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


@lru_cache(maxsize=8)
def _signer(secret: str, lifetime: int) -> FileUrlSigner:
    return FileUrlSigner(secret, lifetime)


def signer(platform: Platform) -> FileUrlSigner:
    return _signer(platform.settings.secret_key, platform.settings.file_url_seconds)


def _not_found(file_id: str) -> ApiError:
    # The id is not echoed: it may be any text, NUL bytes included.
    return ApiError(404, Message("request.no_file"))


def _file_name(raw: str | None) -> str:
    """The name a file is stored and offered under: its last path part, printable, bounded."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", unicodedata.normalize("NFC", name)).strip()
    return name[:255] or "file"


def signed_url(platform: Platform, tenant: str, file_id: str, user_id: int) -> dict[str, Any]:
    """The download URL of a file for one user, valid for ``FORMWORK_FILE_URL_SECONDS``."""
    query, expires = signer(platform).sign(tenant, file_id, user_id, time.time())
    return {
        "url": f"/api/files/{file_id}/content?{query}",
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
    }


def _runtimes(conn: Connection, platform: Platform, tenant: str) -> list[AppRuntime]:
    return [platform.runtime(conn, tenant, key) for key in published_app_keys(conn)]


def _readable(platform: Platform, tenant: str, user: User, file_id: str) -> StoredFile:
    """The file's descriptor if ``user`` may read it; 404 otherwise (existing or not)."""
    if not valid_file_id(file_id):
        raise _not_found(file_id)
    with platform.store.read(tenant) as conn:
        stored = find_file(conn, file_id)
        if stored is None or not may_read_file(
            conn,
            user,
            stored,
            _runtimes(conn, platform, tenant),
            read_also=platform.hooks.read_also,
        ):
            raise _not_found(file_id)
    return stored


@router.post("", status_code=201)
def upload(file: UploadFile, principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """Store an upload with the content type its bytes show (the client's claim is ignored)."""
    limit = platform.settings.max_upload_mb * 1024 * 1024
    file_id = str(uuid.uuid4())
    folder = platform.settings.data_dir / "files" / principal.tenant
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_id
    size = 0
    # Written before the row: a crash leaves an orphan file, never a row without a file.
    with path.open("wb") as out:
        while chunk := file.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise ApiError(
                    413, Message("request.file_too_large", max=platform.settings.max_upload_mb)
                )
            out.write(chunk)
    # Sniffed outside the transaction: it reads the file (a zip's directory at most).
    content_type = sniff_file(path)
    name = _file_name(file.filename)
    with platform.store.write(principal.tenant) as conn:
        conn.execute(
            insert(files).values(
                id=file_id,
                name=name,
                size=size,
                content_type=content_type,
                storage_key=f"{principal.tenant}/{file_id}",
                created_by=principal.user.id,
                created_at=datetime.now(UTC),
            )
        )
    return {
        "id": file_id,
        "name": name,
        "size": size,
        "content_type": content_type,
        **signed_url(platform, principal.tenant, file_id, principal.user.id),
    }


@router.get("/{file_id}")
def describe(file_id: str, principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
    """The file's descriptor and a signed download URL, for whoever may read the file."""
    stored = _readable(platform, principal.tenant, principal.user, file_id)
    return {
        **stored.to_json(),
        **signed_url(platform, principal.tenant, stored.id, principal.user.id),
    }


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact one per RFC 5987."""
    # Old rows may hold any name: only printable ASCII goes into the quoted form.
    fallback = "".join(c if " " <= c <= "~" and c != "\\" else "_" for c in name)
    fallback = fallback.replace('"', "'")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/{file_id}/content")
def download(
    file_id: str,
    platform: PlatformDep,
    tenant: Annotated[str, Query(max_length=64)] = "",
    user: Annotated[str, Query(max_length=32)] = "",
    exp: Annotated[str, Query(max_length=32)] = "",
    sig: Annotated[str, Query(max_length=128)] = "",
) -> FileResponse:
    """The file's bytes, through a signed URL from ``GET /api/files/{id}`` (no bearer token)."""
    if not valid_file_id(file_id):
        raise _not_found(file_id)
    if not sig:
        raise ApiError(401, Message("request.signed_url", id=file_id))
    # A forged, altered or expired link raises BadSignature: a 403, recorded as a refusal.
    signed = signer(platform).verify(file_id, tenant, user, exp, sig, time.time())
    if not platform.store.tenant_exists(signed.tenant):
        raise _not_found(file_id)
    with platform.store.read(signed.tenant) as conn:
        reader = get_user(conn, signed.user_id)
    if reader is None:
        raise ApiError(403, Message("request.link_user_inactive"))
    stored = _readable(platform, signed.tenant, reader, file_id)
    path = Path(platform.settings.data_dir / "files" / stored.storage_key)
    if not path.is_file():
        raise _not_found(file_id)
    return FileResponse(
        path,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": content_disposition(stored.name),
            "X-Content-Type-Options": "nosniff",
            # Opened directly anyway (a link pasted into the address bar), the
            # answer runs nothing: no script, no plugin, its own origin.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
