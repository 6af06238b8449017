"""End to end in the CRM template: a sales rep's day, on a desktop and on a phone.

The rep takes a lead from the pool, converts it into a customer, a contact
and an opportunity, and moves the opportunity along the pipeline (a kanban
view) by dragging its card; on a phone the card's "Move to…" menu does it,
and a move the rules refuse (a lost deal needs its reason) opens the record
with the move pre-filled.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import DEMO_LOGIN, TIMEOUT_MS, sign_in

pytestmark = pytest.mark.browser

REP = "rep1"
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def rep_api(live_server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live server signed in as the rep: for seeding and checking data."""
    with httpx.Client(base_url=live_server, timeout=10) as client:
        login = {**DEMO_LOGIN, "username": REP}
        token = client.post("/api/auth/login", json=login).raise_for_status().json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        yield client


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a phone's screen, with touch."""
    context = browser.new_context(
        viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True, reduced_motion="reduce"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def open_entity(page: Page, entity: str) -> None:
    page.get_by_test_id("entity-menu").get_by_text(entity, exact=True).click()
    expect(page.get_by_test_id("entity-title")).to_have_text(entity)


def record_id(page: Page, entity: str) -> int:
    """The id of the record whose page (or edit form: ``/edit``) is open."""
    expect(page).to_have_url(re.compile(rf"/apps/crm/{entity}/\d+(/edit)?$"))
    match = re.search(r"/(\d+)(/edit)?$", page.url)
    assert match is not None
    return int(match.group(1))


def wait_for_stage(page: Page, api: httpx.Client, deal_id: int, stage: str) -> None:
    """Until the server has the opportunity in ``stage`` (a kanban move is
    shown before its request ends); at most 10 s."""
    for _ in range(100):
        if api.get(f"/api/apps/crm/opportunity/{deal_id}").json()["stage"] == stage:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"opportunity #{deal_id} never reached {stage!r}")


def test_rep_claims_a_lead_converts_it_and_drags_the_deal_along_the_pipeline(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    deal = f"Pipeline deal {uuid.uuid4().hex[:8]}"
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
    page.get_by_test_id("record-table").get_by_role("row").filter(has_text=lead["code"]).click()
    assert record_id(page, "lead") == lead["id"]

    # A pool lead is the rep's to read, not to change, until claimed.
    expect(page.get_by_test_id("edit-record")).to_have_count(0)
    # Claiming makes the rep its owner, after which it may be converted.
    page.get_by_test_id("action-claim").click()
    expect(page.get_by_text("Claim: done")).to_be_visible()
    expect(page.get_by_test_id("action-claim")).to_have_count(0)
    expect(page.get_by_test_id("edit-record")).to_be_visible()
    page.get_by_test_id("action-convert").click()
    dialog = page.get_by_test_id("action-dialog")
    expect(dialog.get_by_test_id("action-step-customer")).to_be_visible()
    dialog.get_by_label("Name", exact=True).fill(deal)
    dialog.get_by_label("Amount", exact=True).fill("88000")
    page.get_by_test_id("action-run").click()

    page.get_by_test_id("created-opportunity").click()
    deal_id = record_id(page, "opportunity")
    expect(page.get_by_test_id("record-title")).to_have_text(deal)

    open_entity(page, "Opportunity")
    page.get_by_test_id("view-tab-pipeline").click()
    expect(page).to_have_url(re.compile(r"[?&]view=pipeline(&|$)"))
    card = page.get_by_test_id(f"kanban-card-{deal_id}")
    initial = page.get_by_test_id("kanban-column-initial")
    needs = page.get_by_test_id("kanban-column-needs")
    expect(initial.get_by_test_id(f"kanban-card-{deal_id}")).to_contain_text(deal)
    expect(card).to_contain_text("¥88,000.00")

    card.drag_to(needs)
    expect(needs.get_by_test_id(f"kanban-card-{deal_id}")).to_be_visible()
    expect(initial.get_by_test_id(f"kanban-card-{deal_id}")).to_have_count(0)

    # The card moves at once; reloading before the server has the move would
    # cancel its request (on a busy machine it takes a while).
    wait_for_stage(page, rep_api, deal_id, "needs")
    page.reload()
    expect(needs.get_by_test_id(f"kanban-card-{deal_id}")).to_be_visible()
    expect(initial.get_by_test_id(f"kanban-card-{deal_id}")).to_have_count(0)
    saved = rep_api.get(f"/api/apps/crm/opportunity/{deal_id}").raise_for_status().json()
    assert (saved["stage"], saved["amount"], saved["lead"]) == ("needs", 88000.0, lead["id"])
    converted = rep_api.get(f"/api/apps/crm/lead/{lead['id']}").raise_for_status().json()
    assert converted["status"] == "converted"


def test_on_a_phone_a_card_moves_by_its_menu_and_a_refused_move_opens_the_record(
    phone: Page, live_server: str, rep_api: httpx.Client
) -> None:
    page = phone
    deal = f"Phone deal {uuid.uuid4().hex[:8]}"
    customer = rep_api.post("/api/apps/crm/customer", json={"name": f"Phone Co {deal}"})
    created = rep_api.post(
        "/api/apps/crm/opportunity",
        json={"name": deal, "customer": customer.raise_for_status().json()["id"]},
    )
    deal_id = created.raise_for_status().json()["id"]

    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/opportunity?view=pipeline")
    card = page.get_by_test_id(f"kanban-card-{deal_id}")
    initial = page.get_by_test_id("kanban-column-initial")
    expect(initial.get_by_test_id(f"kanban-card-{deal_id}")).to_contain_text(deal)
    expect(card).to_be_in_viewport()

    page.get_by_test_id(f"card-move-{deal_id}").click()
    page.get_by_test_id("move-to-proposal").click()
    proposal = page.get_by_test_id("kanban-column-proposal")
    expect(proposal.get_by_test_id(f"kanban-card-{deal_id}")).to_be_attached()
    # The card moves at once; wait for the server to have it too before the next
    # move, which would otherwise race the first on a busy machine.
    wait_for_stage(page, rep_api, deal_id, "proposal")

    # Lost needs a reason: the move is undone and the record offered, the stage already set.
    page.get_by_test_id(f"card-move-{deal_id}").click()
    page.get_by_test_id("move-to-lost").click()
    expect(page.get_by_test_id("move-errors")).to_be_visible(timeout=15_000)
    expect(proposal.get_by_test_id(f"kanban-card-{deal_id}")).to_be_attached()
    page.get_by_role("button", name="Open the record").click()
    assert record_id(page, "opportunity") == deal_id
    expect(page.get_by_test_id("field-lost_reason")).to_be_visible()
    stored = rep_api.get(f"/api/apps/crm/opportunity/{deal_id}").raise_for_status().json()
    assert stored["stage"] == "proposal"


def test_rep_claims_straight_from_the_pool_list(
    page: Page, live_server: str, rep_api: httpx.Client
) -> None:
    pooled = rep_api.get(
        "/api/apps/crm/lead", params={"view": "pool", "page_size": 20, "sort": "-score"}
    )
    lead = next(
        item for item in pooled.raise_for_status().json()["items"] if not item["times_returned"]
    )
    sign_in(page, live_server, REP)
    page.goto(f"{live_server}/apps/crm/lead?view=pool&sort=-score")
    table = page.get_by_test_id("record-table")
    expect(table.get_by_role("row").filter(has_text=lead["code"])).to_be_visible()

    page.get_by_test_id(f"row-claim-{lead['id']}").click()
    expect(page.get_by_text("Claim: done")).to_be_visible()
    # Claimed, it leaves the pool and is among the rep's own leads; the page stayed put.
    expect(table.get_by_role("row").filter(has_text=lead["code"])).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]view=pool(&|$)"))
    page.get_by_test_id("view-tab-my_leads").click()
    search = page.get_by_test_id("record-search").get_by_role("searchbox")
    search.fill(lead["code"])
    search.press("Enter")
    expect(table.get_by_role("row").filter(has_text=lead["code"])).to_be_visible()
    owned = rep_api.get(f"/api/apps/crm/lead/{lead['id']}").raise_for_status().json()
    assert owned["_access"]["update"] is True
