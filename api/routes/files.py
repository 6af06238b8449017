"""Uploading and downloading files that records attach.

Files live under ``<data dir>/files/<tenant>/`` with a random name; their
descriptors live in the tenant's ``files`` table, so a file id only resolves
inside its own tenant.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import insert, select

from api.deps import CurrentPrincipal, PlatformDep
from api.problems import ApiError
from engine.store.tables import files

router = APIRouter(prefix="/api/files", tags=["files"])
CHUNK = 1024 * 1024


@router.post("", status_code=201)
def upload(file: UploadFile, principal: CurrentPrincipal, platform: PlatformDep) -> dict[str, Any]:
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
                raise ApiError(413, f"files may be at most {platform.settings.max_upload_mb} MB")
            out.write(chunk)
    name = (file.filename or "file")[:255]
    content_type = (file.content_type or "application/octet-stream")[:128]
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
        "url": f"/api/files/{file_id}",
    }


@router.get("/{file_id}")
def download(file_id: str, principal: CurrentPrincipal, platform: PlatformDep) -> FileResponse:
    with platform.store.read(principal.tenant) as conn:
        row = conn.execute(select(files).where(files.c.id == file_id)).first()
    if row is None:
        raise ApiError(404, f"there is no file {file_id}")
    path = platform.settings.data_dir / "files" / row.storage_key
    return FileResponse(path, media_type=row.content_type, filename=row.name)
