"""End to end: a file uploaded in a form downloads through a signed URL, not the bearer token.

The web app asks ``GET /api/files/{id}`` (with the token) for a short-lived
signed URL and follows it as a plain link; the server answers it as an
attachment, so the browser saves the file and the page stays.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.widgets import choose

pytestmark = pytest.mark.browser


def test_an_uploaded_file_is_saved_through_a_signed_url(
    signed_in: Page, demo_api: httpx.Client, tmp_path: Path
) -> None:
    page = signed_in
    suffix = uuid.uuid4().hex[:8]
    deal = f"Deal with a contract {suffix}"
    content = f"%PDF-1.7 contract {suffix}".encode()
    source = tmp_path / f"contract-{suffix}.pdf"
    source.write_bytes(content)
    customer = f"Attachment Customer {suffix}"
    demo_api.post("/api/apps/mini_crm/customer", json={"name": customer}).raise_for_status()

    page.get_by_test_id("app-card-mini_crm").click()
    page.get_by_test_id("entity-menu").get_by_text("Opportunity", exact=True).click()
    expect(page.get_by_test_id("entity-title")).to_have_text("Opportunity")
    page.get_by_test_id("new-record").click()
    expect(page.get_by_test_id("form-title")).to_contain_text("New")
    page.get_by_label("Name", exact=True).fill(deal)
    choose(page.get_by_label("Customer", exact=True), customer, search=suffix, exact=False)
    page.get_by_test_id("field-attachments").locator("input[type=file]").set_input_files(source)
    uploaded = page.get_by_test_id("field-attachments").get_by_text(source.name)
    expect(uploaded).to_be_visible()
    # Listed at once; saved with the record only once its upload is done.
    expect(
        page.get_by_test_id("field-attachments").locator(".ant-upload-list-item-uploading")
    ).to_have_count(0)
    page.get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(r"/apps/mini_crm/opportunity/\d+$"))

    (saved,) = demo_api.get("/api/apps/mini_crm/opportunity", params={"q": deal}).json()["items"]
    assert [f["content_type"] for f in saved["attachments"]] == ["application/pdf"]
    page.goto(re.sub(r"/apps/.*$", f"/apps/mini_crm/opportunity/{saved['id']}/edit", page.url))
    expect(page.get_by_label("Name", exact=True)).to_have_value(deal)

    with page.expect_download() as info:
        page.get_by_test_id("field-attachments").get_by_text(source.name).click()
    download = info.value
    assert "/content?" in download.url and "sig=" in download.url
    assert download.suggested_filename == source.name
    assert Path(download.path()).read_bytes() == content
    # The link alone, without any token, is what downloads.
    plain = httpx.get(
        download.url if "://" in download.url else f"{demo_api.base_url}{download.url}"
    )
    assert plain.status_code == 200 and plain.content == content
    assert plain.headers["content-disposition"].startswith("attachment;")
