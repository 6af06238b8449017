"""Files follow record access, download through signed URLs, and are what their bytes say.

On SQLite and PostgreSQL. The app: deals owned by their creator, with a
contract (attachment), a confidential file hidden from some roles and a
photo (image field). People: two reps (own deals), a viewer (reads every
deal, not the confidential file), a boss (reads and creates everything), an
outsider (no role in the app) and the tenant admin.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.platform import Platform
from api.routes.files import content_disposition
from engine.accounts.users import create_user, grant_role
from engine.files.signing import FileUrlSigner
from engine.store.tables import users
from tests.conftest import login

BASE = "/api/apps/vault/deal"
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'

APP: dict[str, Any] = {
    "key": "vault",
    "version": "1.0.0",
    "entities": [
        {
            "key": "deal",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text"},
                {"key": "contract", "type": "attachment"},
                {"key": "confidential", "type": "attachment"},
                {"key": "photo", "type": "image"},
            ],
        }
    ],
    "roles": [
        {
            "key": "rep",
            "permissions": {
                "deal": {
                    "read": "own",
                    "create": True,
                    "update": "own",
                    "delete": "own",
                    "fields": {"confidential": "hidden"},
                }
            },
        },
        {
            "key": "viewer",
            "permissions": {"deal": {"read": "all", "fields": {"confidential": "hidden"}}},
        },
        {"key": "boss", "permissions": {"deal": {"read": "all", "create": True, "update": "all"}}},
    ],
}
PEOPLE = {"rep1": "rep", "rep2": "rep", "viewer": "viewer", "boss": "boss", "outsider": None}


@dataclass
class Vault:
    client: TestClient
    platform: Platform
    tenant: str
    headers: dict[str, dict[str, str]]
    ids: dict[str, int]

    def upload(self, who: str, name: str, data: bytes, claimed: str) -> dict[str, Any]:
        response = self.client.post(
            "/api/files", files={"file": (name, data, claimed)}, headers=self.headers[who]
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def deal(self, who: str, **values: Any) -> dict[str, Any]:
        response = self.client.post(
            BASE, json={"name": "Deal", **values}, headers=self.headers[who]
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def describe(self, who: str, file_id: str) -> Any:
        return self.client.get(f"/api/files/{file_id}", headers=self.headers[who])

    def readers(self, file_id: str) -> set[str]:
        answers = {who: self.describe(who, file_id).status_code for who in self.headers}
        assert set(answers.values()) <= {200, 404}, answers
        return {who for who, status in answers.items() if status == 200}


@pytest.fixture
def vault(client: TestClient, platform: Platform, tenant: str, auth: dict[str, str]) -> Vault:
    response = client.post("/api/apps", json=APP, headers=auth)
    assert response.status_code == 201, response.text
    ids = {}
    with platform.store.write(tenant) as conn:
        for username, role in PEOPLE.items():
            ids[username] = create_user(conn, platform.passwords, username, "pw").id
            if role is not None:
                grant_role(conn, ids[username], "vault", role)
    headers = {name: login(client, tenant, name) for name in PEOPLE}
    headers["admin"] = auth
    return Vault(client, platform, tenant, headers, ids)


def test_a_file_is_read_by_who_may_read_a_record_and_field_that_hold_it(vault: Vault) -> None:
    contract = vault.upload("rep1", "contract.pdf", b"%PDF-1.7 contract", "application/pdf")
    # Uploaded into a form that is not saved yet: only its uploader (and the admin).
    assert vault.readers(contract["id"]) == {"rep1", "admin"}

    deal = vault.deal("rep1", contract=[contract["id"]])
    # rep2's read scope misses the deal: the file answers 404 exactly as the deal does.
    assert (
        vault.client.get(f"{BASE}/{deal['id']}", headers=vault.headers["rep2"]).status_code == 404
    )
    assert vault.readers(contract["id"]) == {"rep1", "viewer", "boss", "admin"}

    # A field hidden from a role does not grant its file, although the record is readable.
    secret = vault.upload("boss", "secret.pdf", b"%PDF-1.7 secret", "application/pdf")
    vault.deal("boss", confidential=[secret["id"]])
    assert vault.readers(secret["id"]) == {"boss", "admin"}


def test_a_file_id_written_into_a_record_must_be_readable_by_the_writer(vault: Vault) -> None:
    """Attaching a file grants it to the record's readers: an id alone must not open a file."""
    contract = vault.upload("rep1", "contract.pdf", b"%PDF-1.7 rep1 only", "application/pdf")
    mine = vault.deal("rep1", contract=[contract["id"]])
    own = vault.deal("rep2")
    refused = f"there is no uploaded file with id {contract['id']}"
    rep2 = vault.headers["rep2"]
    attempts = [
        vault.client.post(BASE, json={"name": "x", "contract": [contract["id"]]}, headers=rep2),
        vault.client.post(BASE, json={"contract": [{"id": contract["id"]}]}, headers=rep2),
        vault.client.post(
            f"{BASE}/bulk", json=[{"name": "a"}, {"contract": [contract["id"]]}], headers=rep2
        ),
        vault.client.patch(
            f"{BASE}/{own['id']}",
            json={"contract": [contract["id"]], "version": own["version"]},
            headers=rep2,
        ),
        # Another's record that holds it: its files are no grant to a user who may not change it.
        vault.client.patch(
            f"{BASE}/{mine['id']}",
            json={"contract": [contract["id"]], "version": mine["version"]},
            headers=rep2,
        ),
    ]
    for response in attempts:
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error["message"] == refused
        assert error["field"] in {"contract", "[1].contract"}
    assert "rep2" not in vault.readers(contract["id"])
    # A file the writer may read elsewhere, or one the record already holds, is fine.
    assert vault.deal("boss", contract=[contract["id"]])["contract"][0]["id"] == contract["id"]
    kept = vault.client.patch(
        f"{BASE}/{mine['id']}",
        json={"name": "renamed", "contract": [contract["id"]], "version": mine["version"]},
        headers=vault.headers["rep1"],
    )
    assert kept.status_code == 200, kept.text
    # A file in a field hidden from the writer is not readable to them, so not attachable.
    secret = vault.upload("boss", "secret.pdf", b"%PDF-1.7 secret", "application/pdf")
    boss_deal = vault.deal("boss", confidential=[secret["id"]], contract=[])
    assert boss_deal["confidential"][0]["id"] == secret["id"]
    stolen = vault.client.post(
        BASE, json={"name": "x", "contract": [secret["id"]]}, headers=vault.headers["rep1"]
    )
    assert stolen.status_code == 422, stolen.text
    assert vault.readers(secret["id"]) == {"boss", "admin"}


def test_the_recycle_bin_and_a_file_taken_off_its_record(vault: Vault) -> None:
    contract = vault.upload("rep1", "c.pdf", b"%PDF-1.7", "application/pdf")
    deal = vault.deal("rep1", contract=[contract["id"]])
    url = f"{BASE}/{deal['id']}"
    assert vault.client.delete(url, headers=vault.headers["rep1"]).status_code == 204
    # A binned record still holds the file for those whose scope reaches it in the bin.
    assert vault.readers(contract["id"]) == {"rep1", "viewer", "boss", "admin"}
    restored = vault.client.post(f"{url}/restore", headers=vault.headers["rep1"])
    assert restored.status_code == 200, restored.text
    changed = vault.client.patch(
        url,
        json={"contract": [], "version": restored.json()["version"]},
        headers=vault.headers["rep1"],
    )
    assert changed.status_code == 200, changed.text
    # No record holds it any more: back to its uploader only.
    assert vault.readers(contract["id"]) == {"rep1", "admin"}


def test_signed_urls_download_without_a_token_and_are_checked(vault: Vault) -> None:
    name = "Vertrag Q3 für 客户.pdf"
    data = b"%PDF-1.7 the contract"
    contract = vault.upload("rep1", name, data, "application/pdf")
    vault.deal("rep1", contract=[contract["id"]])
    described = vault.describe("rep1", contract["id"])
    assert described.status_code == 200, described.text
    body = described.json()
    assert (body["name"], body["content_type"], body["size"]) == (
        name,
        "application/pdf",
        len(data),
    )
    url = body["url"]
    assert url.startswith(f"/api/files/{contract['id']}/content?") and "sig=" in url

    fetched = vault.client.get(url)  # no Authorization header
    assert fetched.status_code == 200, fetched.text
    assert fetched.content == data
    assert fetched.headers["x-content-type-options"] == "nosniff"
    disposition = fetched.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Vertrag%20Q3%20f%C3%BCr%20%E5%AE%A2%E6%88%B7.pdf" in disposition
    assert fetched.headers["content-type"].startswith("application/pdf")

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    path = urlsplit(url).path

    def get(**changes: str) -> int:
        return int(vault.client.get(path, params={**query, **changes}).status_code)

    assert get(sig="0" * 64) == 403
    assert get(user=str(vault.ids["rep2"])) == 403  # the signature names rep1
    assert get(exp=str(int(query["exp"]) + 3600)) == 403  # a longer life is not for the taking
    assert vault.client.get(path).status_code == 401  # no signature at all
    other = vault.upload("rep1", "other.pdf", b"%PDF-1.7", "application/pdf")
    assert vault.client.get(f"/api/files/{other['id']}/content", params=query).status_code == 403

    secret = vault.platform.settings.secret_key
    expired, _ = FileUrlSigner(secret, 60).sign(
        vault.tenant, contract["id"], vault.ids["rep1"], time.time() - 120
    )
    assert vault.client.get(f"{path}?{expired}").status_code == 403
    # A correctly signed URL for someone who may not read the file: access is checked again.
    forged, _ = FileUrlSigner(secret, 60).sign(
        vault.tenant, contract["id"], vault.ids["rep2"], time.time()
    )
    assert vault.client.get(f"{path}?{forged}").status_code == 404
    # Deactivating the user ends their links at once.
    with vault.platform.store.write(vault.tenant) as conn:
        conn.execute(update(users).where(users.c.id == vault.ids["rep1"]).values(is_active=False))
    assert vault.client.get(url).status_code == 403


def test_content_disposition_quotes_every_name_safely() -> None:
    header = content_disposition('a "b";\r\nX-Evil: 1 客.pdf')
    assert header == (
        "attachment; filename=\"a 'b';__X-Evil: 1 _.pdf\"; "
        "filename*=UTF-8''a%20%22b%22%3B%0D%0AX-Evil%3A%201%20%E5%AE%A2.pdf"
    )


def test_upload_answers_a_signed_url_and_the_sniffed_type(vault: Vault) -> None:
    uploaded = vault.upload("rep1", "dot.png", PNG_1X1, "text/html")
    assert uploaded["content_type"] == "image/png"  # the bytes', not the claim
    fetched = vault.client.get(uploaded["url"])
    assert fetched.status_code == 200 and fetched.content == PNG_1X1
    assert fetched.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "data", "stored"),
    [
        ("evil.png", HTML, "text/html"),
        ("evil.svg", SVG, "image/svg+xml"),
        ("notes.png", b"just some text", "text/plain"),
        ("random.jpg", b"\x00\x01\x02\x03garbage", "application/octet-stream"),
    ],
)
def test_an_image_field_takes_only_raster_images_by_their_bytes(
    vault: Vault, name: str, data: bytes, stored: str
) -> None:
    fake = vault.upload("rep1", name, data, "image/png")
    assert fake["content_type"] == stored
    response = vault.client.post(
        BASE, json={"name": "x", "photo": [fake["id"]]}, headers=vault.headers["rep1"]
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "photo", "message": f"{name} is not an image (PNG, JPEG, GIF, WebP or BMP)"}
    ]
    real = vault.upload("rep1", "dot.png", PNG_1X1, "application/octet-stream")
    deal = vault.deal("rep1", photo=[real["id"]])
    assert deal["photo"][0]["content_type"] == "image/png"
    # The SVG is still a file one may attach, and it downloads as an attachment.
    vault.deal("rep1", contract=[fake["id"]])
    fetched = vault.client.get(vault.describe("rep1", fake["id"]).json()["url"])
    assert fetched.status_code == 200
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert fetched.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "bad", ["%00", "abc", "a%00b", "9b2c6f0e-5a1d-4c3e-8f7a-2d4b6c8e0f1%00", "'", "%E2%80%AE"]
)
def test_garbage_file_ids_are_not_found(vault: Vault, bad: str) -> None:
    # 404 from the route, or 422 where the API refuses a NUL byte in any path first.
    described = vault.client.get(f"/api/files/{bad}", headers=vault.headers["rep1"])
    assert described.status_code in (404, 422), described.text
    content = vault.client.get(f"/api/files/{bad}/content", params={"sig": "x"})
    assert content.status_code in (404, 422), content.text
    if "%00" not in bad:
        assert (described.status_code, content.status_code) == (404, 404)


@pytest.mark.parametrize(
    "bad", ["\x00", "abc\x00", "9b2c6f0e-5a1d-4c3e-8f7a-2d4b6c8e0f1\x00", "x" * 36]
)
def test_garbage_file_ids_in_a_record_name_the_field(vault: Vault, bad: str) -> None:
    response = vault.client.post(
        BASE, json={"name": "x", "contract": [bad]}, headers=vault.headers["rep1"]
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["contract"]
