"""The history says what wrote a change besides its user: the audit row's ``via``,
named in the reader's language (``engine.forms.history.via_label``), on SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from builder.validate import load_definition
from engine.actions import return_stale, run_action
from engine.forms import (
    VIA_FORMULA_BACKFILL,
    VIA_IMPORT,
    VIA_POOL_AUTO_RETURN,
    WriteContext,
    create_records,
    update_record,
    via_label,
)
from engine.platform import Platform
from engine.store.tables import audit_log
from tests.engine.actions.sales_app import NOW, Sales, install_sales
from tests.engine.forms.test_history import history_of, labelled_app

FIRST_FOLLOW_UP = {"zh-CN": "首次跟进", "en": "First follow-up"}

#: The CRM template's ``follow_up_writes_back`` in miniature: a new follow-up
#: moves its lead from new to contacting.
WRITES_BACK = {
    "key": "follow_up_writes_back",
    "label": FIRST_FOLLOW_UP,
    "entity": "follow_up",
    "trigger": {"on": "created"},
    "effects": [
        {
            "type": "update_records",
            "entity": "lead",
            "records": "lead",
            "values": {"status": "=IF(target.status == 'new', 'contacting', target.status)"},
        }
    ],
}


def with_rule() -> dict[str, Any]:
    definition = labelled_app()
    definition["rules"] = [WRITES_BACK]
    return definition


def follow_up(sales: Sales, lead: int, username: str) -> int:
    """Log a follow-up of the lead as ``username``, with the platform's hooks (rules run)."""
    with sales.platform.store.write(sales.tenant) as conn:
        runtime = sales.runtime(conn)
        ctx = WriteContext(
            conn, runtime, "follow_up", sales.ids[username], NOW, hooks=sales.platform.hooks
        )
        (made,) = create_records(
            ctx, runtime.entities["follow_up"], [{"subject": "Called", "lead": lead}]
        )
        return made


def test_a_rules_write_is_named_by_the_rules_label(platform: Platform, tenant: str) -> None:
    sales = install_sales(platform, tenant, with_rule())
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    follow_up(sales, lead, "rep_a")

    history = history_of(sales, "rep_a", "lead", lead)

    assert [entry["action"] for entry in history] == ["create", "update"]
    created, moved = history
    # The rep's write started it: the entry is theirs, and says the rule wrote it.
    assert (moved["user_id"], moved["via"]) == (sales.ids["rep_a"], "rule:follow_up_writes_back")
    assert moved["via_label"] == "by rule “First follow-up”"
    status = next(c for c in moved["changes"] if c["field"] == "status")
    assert (status["from"], status["to"]) == ("new", "contacting")
    # A write nothing but a person (here: the system, as a raw import) made says nothing more.
    assert (created["via"], created["via_label"]) == (None, None)


def test_the_label_is_in_the_readers_language(platform: Platform, tenant: str) -> None:
    sales = install_sales(platform, tenant, with_rule())
    lead = sales.lead("ACME", owner=sales.ids["rep_a"])
    logged = follow_up(sales, lead, "rep_a")
    with sales.platform.store.read(sales.tenant) as conn:
        definition = sales.runtime(conn).definition

    chinese = via_label(definition, "lead", "rule:follow_up_writes_back", "zh-CN")

    assert chinese == "由规则「首次跟进」"
    # The follow-up itself is the rep's own write: only what the rule wrote says so.
    assert history_of(sales, "rep_a", "follow_up", logged)[0]["via"] is None


def test_a_rule_gone_from_the_definition_is_named_by_its_key() -> None:
    definition = load_definition(labelled_app())  # no rules
    assert via_label(definition, "lead", "rule:follow_up_writes_back", "en") == (
        "by rule “follow_up_writes_back”"
    )
    assert via_label(definition, "lead", "rule:follow_up_writes_back", "zh-CN") == (
        "由规则「follow_up_writes_back」"
    )


def test_an_actions_writes_name_it_but_its_own_entry_does_not_twice(
    platform: Platform, tenant: str
) -> None:
    sales = install_sales(platform, tenant)
    lead = sales.lead("Globex")
    with platform.store.write(tenant) as conn:
        run_action(sales.context(conn, "rep_a"), "lead", lead, "claim", {})

    history = history_of(sales, "rep_a", "lead", lead)

    assert [entry["action"] for entry in history] == ["create", "update", "action"]
    _, owned, claimed = history
    assert (owned["via"], owned["via_label"]) == ("action:claim", "by action “Claim”")
    # The action's entry is titled "Claimed" already: no "by action" beside it.
    assert (claimed["via"], claimed["via_label"]) == ("action:claim", None)


def test_an_import_is_named_for_every_row_of_the_batch(platform: Platform, tenant: str) -> None:
    sales = install_sales(platform, tenant)
    # Several rows: the audit rows go in one executemany (SQLite) or COPY (PostgreSQL).
    with platform.store.write(tenant) as conn:
        runtime = sales.runtime(conn)
        ctx = WriteContext(conn, runtime, "lead", sales.ids["admin"], NOW, via=VIA_IMPORT)
        ids = create_records(
            ctx, runtime.entities["lead"], [{"company": f"Row {i}"} for i in range(3)]
        )
    with platform.store.read(tenant) as conn:
        vias = conn.scalars(
            select(audit_log.c.via).where(
                audit_log.c.entity == "lead", audit_log.c.record_id.in_(ids)
            )
        ).all()

    assert vias == [VIA_IMPORT] * 3
    (entry,) = history_of(sales, "admin", "lead", ids[1])
    assert (entry["via"], entry["via_label"]) == ("import", "via import")


def test_a_persons_edit_after_an_import_says_nothing_more(platform: Platform, tenant: str) -> None:
    sales = install_sales(platform, tenant)
    with platform.store.write(tenant) as conn:
        runtime = sales.runtime(conn)
        entity = runtime.entities["lead"]
        imported = WriteContext(conn, runtime, "lead", sales.ids["admin"], NOW, via=VIA_IMPORT)
        (lead,) = create_records(imported, entity, [{"company": "Initech"}])
        own = WriteContext(conn, runtime, "lead", sales.ids["admin"], NOW)
        update_record(own, entity, lead, {"status": "contacting"}, 1)

    history = history_of(sales, "admin", "lead", lead)

    assert [entry["via"] for entry in history] == ["import", None]


def test_the_pools_auto_return_is_named(platform: Platform, tenant: str) -> None:
    sales = install_sales(platform, tenant)
    stale = sales.lead("Stale", owner=sales.ids["rep_a"], assigned_at="2026-01-01T00:00:00+00:00")
    with sales.system(NOW) as ctx:
        assert return_stale(ctx, ctx.app, "lead_pool").returned == [stale]

    history = history_of(sales, "admin", "lead", stale)

    returned = [entry for entry in history if entry["via"] == VIA_POOL_AUTO_RETURN]
    assert [entry["action"] for entry in returned] == ["update", "action"]
    assert returned[0]["via_label"] == "by the pool's automatic return"
    # Its own entry is titled "Returned to the pool automatically" already.
    assert returned[1]["via_label"] is None


def test_the_other_kinds_have_texts_in_both_languages() -> None:
    definition = load_definition(labelled_app())
    cases = {
        VIA_FORMULA_BACKFILL: ("formulas recomputed after a publish", "发布后重算公式"),
        "bulk:update": ("bulk edit", "批量修改"),
        "bulk:delete": ("bulk delete", "批量删除"),
        "bulk:action:give_back": ("bulk “Return to pool”", "批量退回公海"),
        "flow:something": ("via flow:something", "来源：flow:something"),
    }
    for via, (english, chinese) in cases.items():
        assert via_label(definition, "lead", via, "en") == english, via
        assert via_label(definition, "lead", via, "zh-CN") == chinese, via
