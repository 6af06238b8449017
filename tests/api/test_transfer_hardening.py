"""Imports that cannot stall a tenant, hostile files that answer 422, slots that answer 429.

On SQLite and PostgreSQL. The issue's scenario: a 1.6 KB spreadsheet that
claims a million rows must not make another user's plain write wait, and an
honest import must hold the write transaction only for the write itself.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from api.platform import Platform
from api.routes import transfer as transfer_route
from engine.accounts.users import create_user
from engine.store.leases import claim, release
from tests.conftest import login
from tests.engine.forms import transfer_files as files

BASE = "/api/apps/mini_crm"
PROBLEM = "application/problem+json"


def _import(
    client: TestClient,
    headers: dict[str, str],
    content: bytes,
    name: str = "data.xlsx",
    **params: str,
) -> Any:
    return client.post(
        f"{BASE}/customer/import", params=params, files={"file": (name, content)}, headers=headers
    )


def _names(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get(f"{BASE}/customer", params={"page_size": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


def _file_problem(response: Any) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["errors"][0]["field"] == "file"
    return str(body["errors"][0]["message"])


def _ods() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _rows_xlsx(count: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Industry", "Phone", "Credit limit"])
    for i in range(count):
        sheet.append([f"Customer {i:05d}", "retail", f"138{i:08d}", 1000 + i])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- hostile and broken files --------------------------------------------------------
HOSTILE: dict[str, tuple[bytes | Callable[[], bytes], str, str]] = {
    "small but huge": (files.small_but_huge(["Name"], ["Acme"]), "x.xlsx", "column XFD"),
    "dtd": (
        files.workbook(
            files.sheet_xml(
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>',
                prolog=b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            )
        ),
        "x.xlsx",
        "DTD or an entity",
    ),
    # Built when the test runs, not at import: 110 MB to compress.
    "zip bomb": (lambda: files.bomb(110), "x.xlsx", "more than 100 MB"),
    "truncated": (files.table([["Name"], ["Acme"]])[:300], "x.xlsx", "not a readable XLSX"),
    "not a zip": (b"Name\nAcme\n", "x.xlsx", "not an XLSX workbook"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "x.xlsx", "old Excel"),
    "ods": (_ods(), "x.xlsx", ".ods"),
    "long csv field": (b"Name\n" + b"x" * 131_073 + b"\n", "x.csv", "longer than 131072"),
    "nul": (b"Name\nAc\x00me\n", "x.csv", "NUL"),
    "empty": (b"", "x.csv", "is empty"),
    "header only": (b"Name\r\n", "x.csv", "no rows below the headers"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_and_broken_files_answer_422_naming_the_problem(
    client: TestClient, auth: dict[str, str], mini_crm: str, case: str
) -> None:
    made, name, expected = HOSTILE[case]
    content = made() if callable(made) else made
    assert expected in _file_problem(_import(client, auth, content, name))
    assert expected in _file_problem(_import(client, auth, content, name, dry_run="true"))
    assert _names(client, auth) == []


def test_a_nul_inside_an_xlsx_cell_is_refused_naming_the_cell(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    # OOXML escapes control characters as _xHHHH_ and calamine unescapes them;
    # PostgreSQL cannot store U+0000 in text.
    body = files.rows_xml([(1, ["Name"]), (2, ["Ac_x0000_me"])])
    response = _import(client, auth, files.workbook(files.sheet_xml(body)))
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "rows[2].name", "message": "contains a NUL character", "row": 2, "column": "Name"}
    ]


def test_the_limits_come_from_the_settings(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    platform: Platform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(platform.settings, "import_max_rows", 3)
    message = _file_problem(_import(client, auth, _rows_xlsx(4)))
    assert "at most 3 rows" in message
    assert _import(client, auth, _rows_xlsx(3)).status_code == 201
    monkeypatch.setattr(platform.settings, "import_max_mb", 0)
    assert "larger than 0 MB" in _file_problem(_import(client, auth, _rows_xlsx(1)))


# -- encodings ----------------------------------------------------------------------------
def test_shift_jis_and_gbk_are_stored_as_the_text_they_hold(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    japanese = "Name,Phone\r\n株式会社ソニー,0312345678\r\nトヨタ自動車株式会社,0565282121\r\n"
    chinese = "客户名称,电话\r\n华为技术有限公司,13800138000\r\n阿里巴巴集团,13900139000\r\n"
    assert _import(client, auth, japanese.encode("shift_jis"), "jp.csv").status_code == 201
    assert _import(client, auth, chinese.encode("gbk"), "cn.csv").status_code == 201
    assert _names(client, auth) == sorted(
        ["株式会社ソニー", "トヨタ自動車株式会社", "华为技术有限公司", "阿里巴巴集团"]
    )


def test_an_uncertain_encoding_asks_for_utf8_or_a_named_encoding(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    western = "Name\r\nMüller São Paulo Ltda\r\n".encode("cp1252")
    assert "?encoding=" in _file_problem(_import(client, auth, western, "x.csv"))
    assert _names(client, auth) == []
    named = _import(client, auth, western, "x.csv", encoding="cp1252")
    assert named.status_code == 201, named.text
    assert _names(client, auth) == ["Müller São Paulo Ltda"]
    unknown = _import(client, auth, western, "x.csv", encoding="klingon")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "encoding"
    bom = codecs.BOM_UTF16_LE + "Name\r\nGlobex\r\n".encode("utf-16-le")
    assert _import(client, auth, bom, "x.txt").status_code == 201


# -- export ------------------------------------------------------------------------------------
def test_exported_formula_texts_are_neutralised_and_import_back_unchanged(
    client: TestClient, auth: dict[str, str], mini_crm: str
) -> None:
    names = ["=1+1", "\t=cmd|' /C calc'!A0", '＝HYPERLINK("http://x")', "－1", "＠SUM(A1)", "Acme"]
    for name in names:
        created = client.post(f"{BASE}/customer", json={"name": name}, headers=auth)
        assert created.status_code == 201, created.text
    stored = _names(client, auth)  # text fields are stored trimmed: the TAB is gone
    exported = client.get(
        f"{BASE}/customer/export", params={"format": "csv", "lang": "en"}, headers=auth
    )
    assert exported.status_code == 200
    cells = [row[2] for row in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))]
    assert sorted(cells[1:]) == sorted(name if name == "Acme" else "'" + name for name in stored)
    # Names are unique: importing the export back collides on every row, which shows
    # that each quoted cell was read back as exactly the stored name.
    imported = _import(client, auth, exported.content, "back.csv")
    assert imported.status_code == 422, imported.text
    errors = imported.json()["errors"]
    assert len(errors) == len(stored)
    assert all(e["field"].endswith(".name") and "must be unique" in e["message"] for e in errors)


# -- how many at once ------------------------------------------------------------------------
@contextlib.contextmanager
def _other_processes_hold(platform: Platform, tenant: str, kind: str, count: int) -> Iterator[None]:
    """Slots claimed as another API process would: rows in the tenant's store."""
    with platform.store.write(tenant) as conn:
        leases = [claim(conn, kind, count, timedelta(minutes=5)) for _ in range(count)]
    try:
        yield
    finally:
        with platform.store.write(tenant) as conn:
            for lease in leases:
                release(conn, lease)


def test_a_third_import_or_export_answers_429_with_retry_after(
    client: TestClient, auth: dict[str, str], mini_crm: str, platform: Platform, tenant: str
) -> None:
    content = _rows_xlsx(2)
    with _other_processes_hold(platform, tenant, "import", 2):
        busy = _import(client, auth, content)
        assert busy.status_code == 429, busy.text
        assert busy.headers["content-type"].startswith(PROBLEM)
        assert 1 <= int(busy.headers["Retry-After"]) <= 30
        assert busy.json()["errors"][0]["field"] == "import"
        # Exports have slots of their own.
        assert client.get(f"{BASE}/customer/export", headers=auth).status_code == 200
    assert _import(client, auth, content).status_code == 201
    with _other_processes_hold(platform, tenant, "export", 2):
        busy = client.get(f"{BASE}/customer/export", params={"format": "csv"}, headers=auth)
        assert busy.status_code == 429 and "Retry-After" in busy.headers
    assert client.get(f"{BASE}/customer/export", headers=auth).status_code == 200


def test_a_refused_importer_takes_no_slot(
    client: TestClient,
    mini_crm: str,
    platform: Platform,
    tenant: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with platform.store.write(tenant) as conn:
        create_user(conn, platform.passwords, "nobody", "pw", "Nobody")
    monkeypatch.setattr(platform.settings, "import_concurrency", 1)
    nobody = login(client, tenant, "nobody")
    for _ in range(3):
        assert _import(client, nobody, _rows_xlsx(1)).status_code == 403
    assert _import(client, login(client, tenant), _rows_xlsx(1)).status_code == 201


# -- no transaction waits for a file -----------------------------------------------------------
def test_no_connection_is_held_while_the_file_is_read_or_converted(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    platform: Platform,
    tenant: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = platform.store.tenant_engine(tenant)
    held: dict[str, int] = {}

    def watched(name: str) -> Any:
        real = getattr(transfer_route, name)

        def step(*args: Any, **kwargs: Any) -> Any:
            held[name] = engine.pool.checkedout()  # type: ignore[attr-defined]
            return real(*args, **kwargs)

        return step

    for name in ("read_sheet", "prepare_rows"):
        monkeypatch.setattr(transfer_route, name, watched(name))
    assert _import(client, auth, _rows_xlsx(20)).status_code == 201
    assert held == {"read_sheet": 0, "prepare_rows": 0}


def _other_user(client: TestClient, platform: Platform, tenant: str) -> dict[str, str]:
    """Another user of the tenant, who may create customers."""
    with platform.store.write(tenant) as conn:
        create_user(conn, platform.passwords, "other", "pw", "Other", is_admin=True)
    return login(client, tenant, "other")


def _write_latencies(
    client: TestClient, headers: dict[str, str], until: threading.Event
) -> list[float]:
    """Another user's plain creates, one after the other, until ``until`` is set."""
    latencies: list[float] = []
    number = 0
    while not until.is_set() or number < 3:
        number += 1
        started = time.monotonic()
        response = client.post(
            f"{BASE}/customer", json={"name": f"Plain write {number}"}, headers=headers
        )
        latencies.append(time.monotonic() - started)
        assert response.status_code == 201, response.text
        time.sleep(0.02)
    return latencies


def test_the_small_but_huge_spreadsheet_does_not_slow_another_users_write(
    client: TestClient, auth: dict[str, str], mini_crm: str, platform: Platform, tenant: str
) -> None:
    rep = _other_user(client, platform, tenant)
    huge = files.small_but_huge(["Name"], ["Acme"])
    answers: list[int] = []
    done = threading.Event()

    def importer() -> None:
        try:
            for _ in range(6):
                answers.append(_import(client, auth, huge).status_code)
        finally:
            done.set()

    thread = threading.Thread(target=importer)
    thread.start()
    latencies = _write_latencies(client, rep, done)
    thread.join(timeout=60)
    assert set(answers) == {422} and len(answers) == 6
    assert max(latencies) < 2, latencies


def test_an_honest_import_holds_the_write_transaction_only_for_the_write(
    client: TestClient,
    auth: dict[str, str],
    mini_crm: str,
    platform: Platform,
    tenant: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = _other_user(client, platform, tenant)
    content = _rows_xlsx(5000)
    #: (thread, what, started, ended) of the import's steps and of every write transaction.
    spans: list[tuple[int, str, float, float]] = []
    real_write = platform.store.write

    @contextlib.contextmanager
    def timed_write(key: str) -> Iterator[Any]:
        started = time.monotonic()
        with real_write(key) as conn:
            yield conn
        spans.append((threading.get_ident(), "write", started, time.monotonic()))

    def timed(name: str) -> Any:
        real = getattr(transfer_route, name)

        def step(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return real(*args, **kwargs)
            finally:
                spans.append((threading.get_ident(), name, started, time.monotonic()))

        return step

    monkeypatch.setattr(platform.store, "write", timed_write)
    for name in ("read_sheet", "prepare_rows"):
        monkeypatch.setattr(transfer_route, name, timed(name))
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def importer() -> None:
        started = time.monotonic()
        try:
            outcome["response"] = _import(client, auth, content)
        finally:
            outcome["seconds"] = time.monotonic() - started
            done.set()

    thread = threading.Thread(target=importer)
    thread.start()
    latencies = _write_latencies(client, other, done)
    thread.join(timeout=120)
    response = outcome["response"]
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 5000

    reading = [span for span in spans if span[1] != "write"]
    assert {span[1] for span in reading} == {"read_sheet", "prepare_rows"}
    route_thread = reading[0][0]
    writes = [span for span in spans if span[1] == "write" and span[0] == route_thread]
    # The import's write transactions (slot claim, the insert, slot release) never
    # overlap reading the file or converting its cells.
    for _, name, read_start, read_end in reading:
        for _, _, write_start, write_end in writes:
            assert write_end <= read_start or write_start >= read_end, (name, spans)
    longest = max(end - start for _, _, start, end in writes)
    # Another user's write waits at most for that one transaction, never for the parse.
    assert max(latencies) < longest + 1.5, (max(latencies), longest)
    reading_seconds = sum(end - start for _, _, start, end in reading)
    print(
        f"import {outcome['seconds']:.2f}s: reading and converting {reading_seconds:.2f}s "
        f"outside any transaction, longest write {longest:.2f}s, "
        f"slowest plain write {max(latencies):.2f}s"
    )
