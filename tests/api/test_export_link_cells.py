"""An importable export writes a link as its title only when that title names the
record and no other among those the importer may read; otherwise as ``#id``.
So a rep's export imports back unchanged even with two contacts named 张伟
and a lead that has passed to another rep; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.api.test_link_scope import customer_of
from tests.api.test_owner_patch import CRM, LEAD, Crm, crm

__all__ = ["crm"]  # the fixture, imported for this module's tests


def follow_up(crm: Crm, username: str, subject: str, **links: int) -> dict[str, Any]:
    body = {
        "subject": subject,
        "method": "call",
        "followed_at": "2026-12-01T10:00:00Z",
        "content": "通话记录",
        **links,
    }
    return crm.post(username, "follow_up", body)


def export_rows(crm: Crm, username: str) -> list[list[Any]]:
    params = {"columns": "importable", "lang": "zh-CN", "sort": "id"}
    answer = crm.client.get(f"{CRM}/follow_up/export", params=params, headers=crm.auth(username))
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def import_back(crm: Crm, username: str, rows: list[list[Any]]) -> dict[str, Any]:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = crm.client.post(
        f"{CRM}/follow_up/import",
        params={"mode": "upsert", "dry_run": "true"},
        files={"file": ("follow_ups.xlsx", buffer.getvalue())},
        headers=crm.auth(username),
    )
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def test_ambiguous_or_unreachable_links_are_written_as_ids(crm: Crm) -> None:
    customer = customer_of(crm, "rep_a", "甲的客户")
    twins = [crm.post("rep_a", "contact", {"name": "张伟", "customer": customer["id"]})]
    twins.append(crm.post("rep_a", "contact", {"name": "张伟", "customer": customer["id"]}))
    only = crm.post("rep_a", "contact", {"name": "李雷", "customer": customer["id"]})
    kept = crm.post("admin", "lead", {**LEAD, "company": "甲的线索", "owner": crm.ids["rep_a"]})
    lead = crm.post("admin", "lead", {**LEAD, "company": "交接线索", "owner": crm.ids["rep_a"]})
    follow_up(crm, "rep_a", "一", contact=twins[0]["id"], lead=kept["id"])
    follow_up(crm, "rep_a", "二", contact=twins[1]["id"], lead=kept["id"])
    follow_up(crm, "rep_a", "三", contact=only["id"], lead=lead["id"])
    # The lead passes to another rep: rep_a's follow-up still points at it.
    lead_now = crm.read("admin", "lead", lead["id"])
    crm.patch("admin", "lead", lead_now, owner=crm.ids["rep_b"]).raise_for_status()

    rows = export_rows(crm, "rep_a")
    header = rows[0]
    contact, linked_lead = header.index("联系人"), header.index("线索")
    assert [row[contact] for row in rows[1:]] == [
        f"#{twins[0]['id']}",
        f"#{twins[1]['id']}",
        "李雷",
    ]
    assert [row[linked_lead] for row in rows[1:]] == ["甲的线索", "甲的线索", f"#{lead['id']}"]

    report = import_back(crm, "rep_a", rows)
    totals = {key: report[key] for key in ("created", "updated", "unchanged", "failed")}
    assert totals == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}, report
