"""The assign effect: round-robin, least loaded, a table of conditions, the pool's cap."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from engine.accounts.users import set_user_active
from engine.platform import Platform
from engine.rules.state import get_states
from engine.store.tables import audit_log, rule_state
from tests.engine.rules.sales_kit import Clocked, install_rules


def assign_rule(**settings: Any) -> dict[str, Any]:
    effect = {"type": "assign", "field": "owner", "to": {"users": ["rep_a", "rep_b"]}, **settings}
    return {"key": "route", "entity": "lead", "trigger": {"on": "created"}, "effects": [effect]}


def owners(crm: Clocked, ids: list[int]) -> list[str | None]:
    names = {v: k for k, v in crm.ids.items()}
    return [names.get(crm.read(i)["owner"]) for i in ids]


def test_round_robin_goes_on_from_batch_to_batch(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, assign_rule())
    first = crm.create([{"company": f"L{i}"} for i in range(3)])
    assert owners(crm, first) == ["rep_a", "rep_b", "rep_a"]
    assert owners(crm, [crm.lead()]) == ["rep_b"]
    # A record that has an owner keeps it.
    kept = crm.lead(owner=crm.ids["rep_w"])
    assert owners(crm, [kept]) == ["rep_w"]


def test_least_loaded_counts_open_records(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, assign_rule(by="least_loaded", pool="lead_pool"))
    crm.create(
        [
            {"company": "A1", "owner": crm.ids["rep_a"]},
            {"company": "A2", "owner": crm.ids["rep_a"], "status": "converted"},
        ]
    )
    # rep_a owns one open lead (the converted one does not count): rep_b gets the next.
    assert owners(crm, crm.create([{"company": "N1"}, {"company": "N2"}])) == ["rep_b", "rep_a"]


def test_a_table_picks_the_candidates(platform: Platform, tenant: str) -> None:
    rule = assign_rule(
        table=[{"when": "industry == 'software'", "to": {"departments": ["West"]}}],
        to={"users": ["rep_a"]},
    )
    crm = install_rules(platform, tenant, rule)
    ids = crm.create(
        [{"company": "Soft", "industry": "software"}, {"company": "Shop", "industry": "retail"}]
    )
    assert owners(crm, ids) == ["rep_w", "rep_a"]


def test_the_pool_cap_and_inactive_users(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, assign_rule(pool="lead_pool"))
    with crm.write() as conn:
        set_user_active(conn, crm.ids["rep_b"], False)
    # rep_b is inactive: everything goes to rep_a, up to the pool's cap of 2 open leads;
    # beyond it nobody is left and the leads stay in the pool.
    ids = crm.create([{"company": f"L{i}"} for i in range(3)])
    assert owners(crm, ids) == ["rep_a", "rep_a", None]


def test_the_new_owner_hears_of_it(platform: Platform, tenant: str) -> None:
    tell = {
        "key": "tell_owner",
        "entity": "lead",
        "trigger": {"on": "field_changed", "fields": ["owner"]},
        "when": "not ISBLANK(owner)",
        "effects": [
            {
                "type": "notify",
                "to": {"fields": ["owner"]},
                "title": "=CONCAT('New lead: ', company)",
            }
        ],
    }
    crm = install_rules(platform, tenant, assign_rule(), tell)
    crm.create([{"company": "One"}, {"company": "Two"}])
    assert crm.notified("rep_a") == ["New lead: One"]
    assert crm.notified("rep_b") == ["New lead: Two"]


def test_a_bulk_of_500_is_one_event(platform: Platform, tenant: str) -> None:
    crm = install_rules(platform, tenant, assign_rule())
    ids = crm.create([{"company": f"L{i}"} for i in range(500)])
    assert Counter(owners(crm, ids)) == {"rep_a": 250, "rep_b": 250}
    with platform.store.read(tenant) as conn:
        actions = dict(
            conn.execute(
                select(audit_log.c.action, func.count())
                .where(audit_log.c.entity == "lead")
                .group_by(audit_log.c.action)
            ).all()
        )
        cursors = get_states(conn, conn.scalars(select(rule_state.c.key)))
    assert actions == {"create": 500, "update": 500}
    assert len(cursors) == 1 and list(cursors.values()) == [{"last": crm.ids["rep_b"]}]
    assert crm.runs("ok") == 500
