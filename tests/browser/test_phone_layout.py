"""The runtime app on a phone (390 x 844): made for the screen, not the desktop squeezed.

A rep works a lead from the pool to its conversion with a thumb: the pool is a
list of cards with a full-width search and no sideways scroll, the record's
commands sit in a bar at the bottom of the screen, and the conversion's dialog
fits. Lists are cards, forms one column with Save in the bottom bar, and every
stage of the pipeline can be brought into view.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, REP, sign_in
from tests.browser.widgets import open_menu

pytestmark = pytest.mark.browser

WIDTH = PHONE["width"]


def assert_no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the screen: nothing to scroll sideways to."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide on a {WIDTH} px screen"


def within_screen_width(page: Page, locator: Locator) -> None:
    """Until ``locator`` lies wholly between the screen's left and right edges
    (a smooth scroll takes a moment)."""
    locator.wait_for()
    page.wait_for_function(
        """([element, width]) => {
            const box = element.getBoundingClientRect();
            return box.width > 0 && box.left >= -1 && box.right <= width + 1;
        }""",
        arg=[locator.element_handle(), WIDTH],
    )


def bar_command(page: Page, test_id: str) -> None:
    """Runs a command of the record's bottom bar: a button of the bar, or an
    entry of its "more" menu when the bar is full."""
    bar = page.get_by_test_id("record-bar")
    expect(bar).to_be_in_viewport()
    button = bar.get_by_test_id(test_id)
    if button.count():
        button.click()
        return
    # A tap that lands while the menu still slides in is lost and leaves the
    # menu open: tap again until the menu has closed on it.
    item = page.get_by_role("menu").get_by_test_id(test_id)
    for attempt in range(3):
        open_menu(bar.get_by_test_id("bar-more"), item)
        item.click()
        try:
            expect(item).to_be_hidden(timeout=3000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def open_entity(page: Page, entity: str) -> None:
    """Through the app's menu, which is a drawer on a phone."""
    page.get_by_test_id("entity-menu-button").click()
    page.get_by_test_id("entity-menu").get_by_text(entity, exact=True).click()
    expect(page.get_by_test_id("entity-title")).to_have_text(entity)
    # The drawer slides away before the page below takes taps again.
    expect(page.locator(".ant-drawer-content-wrapper")).to_be_hidden()


def test_a_rep_works_a_lead_from_the_pool_to_conversion_on_a_phone(
    phone: Page, live_server: str, rep_api: httpx.Client, tmp_path: Path
) -> None:
    page = phone
    deal = f"Phone deal {uuid.uuid4().hex[:8]}"
    pooled = rep_api.get("/api/apps/crm/lead", params={"view": "pool", "page_size": 50})
    # One never given back: nobody is barred from claiming it again (the pool's reclaim rule).
    lead = next(
        item for item in pooled.raise_for_status().json()["items"] if not item["times_returned"]
    )

    sign_in(page, live_server, REP)
    page.get_by_test_id("app-card-crm").click()
    open_entity(page, "Lead")
    page.get_by_test_id("view-tab-pool").click()
    expect(page).to_have_url(re.compile(r"[?&]view=pool(&|$)"))

    # Cards, not a table; nothing wider than the screen.
    cards = page.get_by_test_id("card-list")
    expect(cards.get_by_test_id("record-card-title").first).to_be_visible()
    expect(page.get_by_test_id("record-table")).to_have_count(0)
    assert_no_sideways_scroll(page)
    # The search spans the screen: its hint reads whole, not "Sea..".
    search = page.get_by_test_id("record-search").get_by_role("searchbox")
    expect(search).to_have_attribute("placeholder", "Search")
    box = page.get_by_test_id("record-search").bounding_box()
    assert box is not None and box["width"] >= WIDTH - 40, box

    search.fill(lead["code"])
    search.press("Enter")
    card = page.get_by_test_id(f"record-card-{lead['id']}")
    expect(card).to_contain_text(lead["code"])
    expect(cards.locator(".fw-list-card")).to_have_count(1)
    card.click()
    expect(page).to_have_url(re.compile(rf"/apps/crm/lead/{lead['id']}$"))

    # A pool lead is the rep's to read, not to change, until claimed: the bar offers the claim.
    bar = page.get_by_test_id("record-bar")
    expect(bar.get_by_test_id("action-claim")).to_be_in_viewport()
    expect(page.get_by_test_id("edit-record")).to_have_count(0)
    bar_command(page, "action-claim")
    expect(page.get_by_text("Claim: done")).to_be_visible()
    expect(page.get_by_test_id("action-claim")).to_have_count(0)
    expect(bar.get_by_test_id("edit-record")).to_be_in_viewport()
    assert_no_sideways_scroll(page)

    # The first call, logged from the bar: the lead becomes "contacting" (a rule).
    bar_command(page, "quick-add-follow_up")
    expect(page).to_have_url(re.compile(rf"/apps/crm/follow_up/new\?lead={lead['id']}$"))
    page.get_by_label("Subject", exact=True).fill("First call")
    page.get_by_label("Notes", exact=True).fill("Interested; wants a visit.")
    page.get_by_test_id("form-bar").get_by_test_id("save-record").click()
    expect(page).to_have_url(re.compile(rf"/apps/crm/lead/{lead['id']}$"))
    assert_no_sideways_scroll(page)
    worked = rep_api.get(f"/api/apps/crm/lead/{lead['id']}").raise_for_status().json()
    assert worked["status"] == "contacting"
    related = page.get_by_test_id("related-lists")
    related.get_by_test_id("related-tab-follow_up.lead").click()
    # Related rows are cards on a phone: nothing scrolls sideways inside the page.
    expect(related.get_by_test_id("related-table-follow_up.lead")).to_contain_text("First call")
    expect(related.locator("table")).to_have_count(0)

    bar_command(page, "action-convert")
    dialog = page.get_by_test_id("action-dialog")
    expect(dialog.get_by_test_id("action-step-customer")).to_be_visible()
    within_screen_width(page, page.get_by_role("dialog"))
    dialog.get_by_label("Name", exact=True).fill(deal)
    dialog.get_by_label("Amount", exact=True).fill("66000")
    run = page.get_by_test_id("action-run")
    run.scroll_into_view_if_needed()
    within_screen_width(page, run)
    run.click()

    # The outcome names what the conversion made, not only "open".
    made = page.get_by_test_id("created-opportunity")
    expect(made).to_have_text(deal)
    made.click()
    expect(page).to_have_url(re.compile(r"/apps/crm/opportunity/\d+$"))
    expect(page.get_by_test_id("record-title")).to_have_text(deal)
    assert_no_sideways_scroll(page)
    deal_id = int(page.url.rsplit("/", 1)[1])

    converted = rep_api.get(f"/api/apps/crm/lead/{lead['id']}").raise_for_status().json()
    assert converted["status"] == "converted"
    saved = rep_api.get(f"/api/apps/crm/opportunity/{deal_id}").raise_for_status().json()
    assert (saved["name"], saved["amount"], saved["lead"]) == (deal, 66000.0, lead["id"])


def stage_values(api: httpx.Client, entity: str, view: str) -> list[str]:
    """The options of the field a kanban view groups by, in the board's order."""
    definition: dict[str, Any] = api.get("/api/apps/crm/definition").raise_for_status().json()
    board = next(
        item
        for item in definition["views"]
        if item["entity"] == entity and item["key"] == view and item["type"] == "kanban"
    )
    fields = next(item for item in definition["entities"] if item["key"] == entity)["fields"]
    group_by = next(item for item in fields if item["key"] == board["group_by"])
    return [option["value"] for option in group_by["options"]]


def test_on_a_phone_a_list_is_cards_and_every_pipeline_stage_comes_into_view(
    phone: Page, live_server: str, rep_api: httpx.Client, tmp_path: Path
) -> None:
    page = phone
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/opportunity?view=all")
    cards = page.get_by_test_id("card-list")
    expect(cards.locator(".fw-list-card").first).to_be_visible()
    expect(page.get_by_test_id("record-table")).to_have_count(0)
    assert_no_sideways_scroll(page)

    # A card is a label: value list of the view's columns, in the list's formats.
    first = cards.locator(".fw-list-card").first
    expect(first.locator(".fw-card-field").first).to_be_visible()
    expect(cards).to_contain_text("¥")

    # Its checkbox selects it for bulk work; the card itself is not opened by it.
    first_id = (first.get_attribute("data-testid") or "").removeprefix("record-card-")
    page.get_by_test_id(f"row-select-{first_id}").check()
    expect(page.get_by_test_id("bulk-count")).to_contain_text("1")
    expect(page).to_have_url(re.compile(r"/apps/crm/opportunity\?"))

    # The next page of cards.
    total = rep_api.get("/api/apps/crm/opportunity", params={"view": "all"}).json()["total"]
    assert total > 20, "the demo has more than a page of opportunities"
    pagination = page.get_by_test_id("card-pagination")
    pagination.locator(".ant-pagination-next").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2(&|$)"))
    expect(cards.get_by_test_id(f"record-card-{first_id}")).to_have_count(0)
    expect(cards.locator(".fw-list-card").first).to_be_visible()

    page.goto(f"{live_server}/apps/crm/opportunity?view=pipeline")
    expect(page.get_by_test_id("kanban-board")).to_be_visible()
    assert_no_sideways_scroll(page)
    stages = stage_values(rep_api, "opportunity", "pipeline")
    assert len(stages) >= 5
    # Every stage, the last ones too, a tap away; there and back again.
    for value in [*stages, stages[0]]:
        chip = page.get_by_test_id(f"kanban-stage-{value}")
        chip.click()
        within_screen_width(page, page.get_by_test_id(f"kanban-column-{value}"))
        expect(chip).to_have_attribute("aria-selected", "true")
    assert_no_sideways_scroll(page)


def test_on_a_phone_a_form_is_one_column_saved_from_the_bottom_bar(
    phone: Page, live_server: str, rep_api: httpx.Client, tmp_path: Path
) -> None:
    page = phone
    name = f"Thumb Co {uuid.uuid4().hex[:8]}"
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/customer/new")
    form = page.get_by_test_id("record-form")
    expect(form).to_be_visible()
    assert_no_sideways_scroll(page)
    # One column: every field starts at the same left edge.
    lefts = form.locator("[data-testid^='field-']").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().left))"
    )
    assert len(lefts) > 3 and len(set(lefts)) == 1, lefts

    form.get_by_label("Name", exact=True).fill(name)
    save = page.get_by_test_id("form-bar").get_by_test_id("save-record")
    # Within reach without scrolling down the form.
    expect(save).to_be_in_viewport()
    save.click()
    expect(page).to_have_url(re.compile(r"/apps/crm/customer/\d+$"))
    expect(page.get_by_test_id("record-title")).to_have_text(name)
    found = rep_api.get("/api/apps/crm/customer", params={"q": name}).raise_for_status().json()
    assert [item["name"] for item in found["items"]] == [name]


def test_on_a_phone_the_bell_opens_the_notifications_page(phone: Page, live_server: str) -> None:
    # A pop-over hung from the bell, near the screen's right edge, ran off its left edge.
    page = phone
    sign_in(page, live_server, REP)
    page.get_by_test_id("notification-bell").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    within_screen_width(page, page.get_by_test_id("notifications-unread-only"))
    expect(page.locator(".ant-popover")).to_have_count(0)
    assert_no_sideways_scroll(page)
