"""End to end: export Mini CRM's customers as Excel, import a small workbook, see the rows."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from tests.browser.widgets import list_settled, open_menu

pytestmark = pytest.mark.browser


def _workbook(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_export_then_import_customers(signed_in: Page, tmp_path: Path) -> None:
    page = signed_in
    page.get_by_test_id("app-card-mini_crm").click()
    page.get_by_test_id("entity-menu").get_by_text("Customer", exact=True).click()
    expect(page.get_by_test_id("entity-title")).to_have_text("Customer")

    list_settled(page)
    open_menu(page.get_by_test_id("export-records"), page.get_by_test_id("export-xlsx"))
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert re.fullmatch(r"Customer-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    header = next(load_workbook(saved).active.iter_rows(values_only=True))
    assert header[:3] == ("ID", "Code", "Name")

    suffix = uuid.uuid4().hex[:6]
    names = [f"Imported A {suffix}", f"Imported B {suffix}"]
    content = _workbook([["Name", "Industry"], [names[0], "Retail"], [names[1], "软件"]])
    page.get_by_test_id("import-records").click()
    page.get_by_test_id("import-file").set_input_files(
        files=[
            {"name": "customers.xlsx", "mimeType": "application/octet-stream", "buffer": content}
        ]
    )
    expect(page.get_by_test_id("import-ready")).to_contain_text("2 rows")
    page.get_by_test_id("import-run").click()
    # The dialog closes when the import is done. Typing before that would type
    # into a page whose focus the open dialog holds, and the dialog hands focus
    # back to its Import button on closing: an Enter would open it again.
    expect(page.get_by_text("2 created")).to_be_visible()
    expect(page.get_by_test_id("import-run")).to_be_hidden()

    page.get_by_test_id("record-search").locator("input").fill(suffix)
    page.get_by_test_id("record-search").locator("input").press("Enter")
    table = page.get_by_test_id("record-table")
    for name in names:
        expect(table.get_by_role("row").filter(has_text=name)).to_be_visible()

    # A file with a problem shows it, names row and column, and imports nothing.
    page.get_by_test_id("import-records").click()
    bad = _workbook([["Name", "Industry"], [f"Bad {suffix}", "Mining"]])
    page.get_by_test_id("import-file").set_input_files(
        files=[{"name": "bad.xlsx", "mimeType": "application/octet-stream", "buffer": bad}]
    )
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Mining")
    expect(errors).to_contain_text("Industry")
    expect(page.get_by_test_id("import-run")).to_be_disabled()
