"""``engine.forms.history``: a record's history with labels, display values and named actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.accounts.users import get_user
from engine.actions import run_action
from engine.forms import GuardedReads, ReadContext, WriteContext, load_entity_access
from engine.forms import readable_history as readable_history_from_facade
from engine.forms.history import ACTION_TYPES, RECORD_ACTIONS, readable_history
from engine.forms.records import update_record
from engine.platform import Platform
from tests.engine.actions.sales_app import NOW, Sales, install_sales, sales_app

STATUS = {"zh-CN": "状态", "en": "Status"}
CONTACTING = {"zh-CN": "联系中", "en": "Contacting"}


def labelled_app() -> dict[str, Any]:
    """The sales app with labels on the lead's status and its options."""
    definition = sales_app()
    lead = next(e for e in definition["entities"] if e["key"] == "lead")
    status = next(f for f in lead["fields"] if f["key"] == "status")
    status["label"] = STATUS
    for option in status["options"]:
        if option["value"] == "contacting":
            option["label"] = CONTACTING
    return definition


def history_of(sales: Sales, username: str, entity: str, record_id: int) -> list[dict[str, Any]]:
    with sales.platform.store.read(sales.tenant) as conn:
        runtime = sales.runtime(conn)
        user = get_user(conn, sales.ids[username])
        assert user is not None
        access = load_entity_access(conn, user, runtime, entity)
        records = GuardedReads(ReadContext(conn, runtime, entity), runtime.entities[entity], access)
        return readable_history(records, record_id)


def test_the_facade_exports_it() -> None:
    assert readable_history_from_facade is readable_history


def test_a_claimed_and_changed_lead_reads_with_labels_names_and_titles(
    platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant, labelled_app())
    customer = sales.create("customer", name="ACME Ltd")
    lead = sales.lead("ACME")
    with platform.store.write(tenant) as conn:
        run_action(sales.context(conn, "rep_a"), "lead", lead, "claim", {})
    with platform.store.write(tenant) as conn:
        runtime = sales.runtime(conn)
        entity = runtime.entities["lead"]
        version: int = conn.execute(
            select(entity.table.c.version).where(entity.table.c.id == lead)
        ).scalar_one()
        ctx = WriteContext(conn, runtime, "lead", sales.ids["rep_a"], NOW)
        update_record(
            ctx,
            entity,
            lead,
            {"status": "contacting", "converted_customer": customer},
            version,
        )

    history = history_of(sales, "rep_a", "lead", lead)

    assert [entry["action"] for entry in history] == ["create", "update", "action", "update"]
    assert history[0]["title"] == RECORD_ACTIONS["create"]
    claimed = history[2]
    assert claimed["title"] == ACTION_TYPES["claim"]
    assert (claimed["action_key"], claimed["action_type"]) == ("claim", "claim")
    # The claim's own write names the new owner by name, not by id.
    owner = next(c for c in history[1]["changes"] if c["field"] == "owner")
    assert (owner["to"], owner["to_display"]) == (sales.ids["rep_a"], "rep_a")
    assert owner["label"] == "owner"  # no label in the definition: the key
    changes = {c["field"]: c for c in history[3]["changes"]}
    status = changes["status"]
    assert status["label"] == STATUS
    assert (status["from"], status["from_display"]) == ("new", "new")
    assert (status["to"], status["to_display"]) == ("contacting", CONTACTING)
    linked = changes["converted_customer"]
    assert (linked["from_display"], linked["to"], linked["to_display"]) == (
        None,
        customer,
        "ACME Ltd",
    )
    # Plain values need no display: the client formats them by type.
    assert all("to_display" not in c for c in history[0]["changes"] if c["field"] == "company")


def test_returning_to_the_pool_is_named(platform: Platform, tenant: str) -> None:
    sales = install_sales(platform, tenant)
    lead = sales.lead("Globex")
    with platform.store.write(tenant) as conn:
        run_action(sales.context(conn, "rep_a"), "lead", lead, "claim", {})
    with platform.store.write(tenant) as conn:
        run_action(
            sales.context(conn, "rep_a"),
            "lead",
            lead,
            "give_back",
            {"return_reason": "not_interested"},
        )

    titles = [entry["title"] for entry in history_of(sales, "admin", "lead", lead)]

    assert titles[-1] == ACTION_TYPES["return_to_pool"]
    assert ACTION_TYPES["claim"] in titles
