"""End to end: export every importable field, edit the workbook, upsert it back.

The dry run's report (created / updated / unchanged per row) shows in the
import dialog before anything is written; the real run then updates 5
customers and creates 2.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.widgets import list_settled, open_menu

pytestmark = pytest.mark.browser

CUSTOMERS = "/api/apps/mini_crm/customer"


def test_export_edit_and_upsert_customers(
    signed_in: Page, demo_api: httpx.Client, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:6]
    for i in range(8):
        values = {"name": f"RT {suffix} {i}", "phone": f"1380000000{i}", "industry": "retail"}
        demo_api.post(CUSTOMERS, json=values).raise_for_status()

    page = signed_in
    page.get_by_test_id("app-card-mini_crm").click()
    page.get_by_test_id("entity-menu").get_by_text("Customer", exact=True).click()
    page.get_by_test_id("record-search").locator("input").fill(f"RT {suffix}")
    page.get_by_test_id("record-search").locator("input").press("Enter")
    expect(page.get_by_text(f"RT {suffix} 7")).to_be_visible()

    list_settled(page)
    open_menu(page.get_by_test_id("export-records"), page.get_by_test_id("export-importable-xlsx"))
    with page.expect_download() as download_info:
        page.get_by_test_id("export-importable-xlsx").click()
    saved = tmp_path / "customers.xlsx"
    download_info.value.save_as(saved)

    workbook = load_workbook(saved)
    sheet = workbook.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "ID" and header[-1] == "version"
    name, phone = header.index("Name") + 1, header.index("Phone") + 1
    assert sheet.max_row == 9
    edited = []
    for row in range(2, 7):
        sheet.cell(row=row, column=phone, value=f"0215550000{row}")
        edited.append(sheet.cell(row=row, column=name).value)
    for extra in ("A", "B"):
        sheet.append([None] * (name - 1) + [f"RT {suffix} new {extra}"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    page.get_by_test_id("import-records").click()
    page.get_by_test_id("import-mode").click()
    page.get_by_text("Update the records the rows name, create the others").click()
    page.get_by_test_id("import-file").set_input_files(
        files=[
            {
                "name": "customers.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": buffer.getvalue(),
            }
        ]
    )
    ready = page.get_by_test_id("import-ready")
    expect(ready).to_contain_text("Created 2 · Updated 5 · Unchanged 3 · Failed 0")
    report = page.get_by_test_id("import-report")
    expect(report.get_by_test_id("import-status-2")).to_have_text("Updated")
    expect(report.get_by_test_id("import-status-9")).to_have_text("Unchanged")
    # Nothing is written before the import runs.
    before = demo_api.get(CUSTOMERS, params={"q": f"RT {suffix}", "page_size": 50}).json()
    assert len(before["items"]) == 8

    page.get_by_test_id("import-run").click()
    expect(page.get_by_text("5 updated")).to_be_visible()
    after = demo_api.get(CUSTOMERS, params={"q": f"RT {suffix}", "page_size": 50}).json()
    by_name = {item["name"]: item for item in after["items"]}
    assert len(by_name) == 10
    assert {by_name[n]["phone"] for n in edited} == {f"0215550000{r}" for r in range(2, 7)}
    assert by_name[f"RT {suffix} new A"]["industry"] is None
