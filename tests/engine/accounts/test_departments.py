"""The department tree and the reporting line, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, update

from engine.accounts.departments import (
    MAX_DEPTH,
    DepartmentCycle,
    ancestors,
    children,
    department_head_for,
    descendants,
    head_of,
    manager_chain,
    manager_of,
    move_department,
    set_head,
)
from engine.accounts.users import create_department, create_user
from engine.platform import Platform
from engine.store.tables import departments, users


def person(
    conn: Connection,
    platform: Platform,
    name: str,
    department: int | None = None,
    manager: int | None = None,
) -> int:
    return create_user(
        conn, platform.passwords, name, None, department_id=department, manager_id=manager
    ).id


def org(conn: Connection) -> dict[str, int]:
    """company ─┬─ sales ─┬─ east ── east_a
    │         └─ west
    └─ finance"""
    company = create_department(conn, "Company")
    sales = create_department(conn, "Sales", company)
    east = create_department(conn, "East", sales)
    return {
        "company": company,
        "sales": sales,
        "east": east,
        "east_a": create_department(conn, "East A", east),
        "west": create_department(conn, "West", sales),
        "finance": create_department(conn, "Finance", company),
    }


def test_descendants_include_self_and_the_whole_subtree(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        d = org(conn)
        assert descendants(conn, d["sales"]) == sorted(
            [d["sales"], d["east"], d["east_a"], d["west"]]
        )
        assert descendants(conn, d["east_a"]) == [d["east_a"]]
        assert descendants(conn, d["company"]) == sorted(d.values())
        assert children(conn, d["sales"]) == sorted([d["east"], d["west"]])
        assert children(conn, d["west"]) == []
        assert descendants(conn, 999_999) == []


def test_ancestors_nearest_first(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        d = org(conn)
        assert ancestors(conn, d["east_a"]) == [d["east_a"], d["east"], d["sales"], d["company"]]
        assert ancestors(conn, d["company"]) == [d["company"]]


def test_a_cycle_in_the_data_does_not_hang_any_walk(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        d = org(conn)
        # Bad data written behind the API's back: sales under its own grandchild.
        conn.execute(
            update(departments).where(departments.c.id == d["sales"]).values(parent_id=d["east_a"])
        )
        assert descendants(conn, d["east"]) == sorted(
            [d["sales"], d["east"], d["east_a"], d["west"]]
        )
        assert ancestors(conn, d["east"]) == [d["east"], d["sales"], d["east_a"]]
        assert head_of(conn, d["east"]) is None


def test_moving_a_department_under_itself_is_refused(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        d = org(conn)
        with pytest.raises(DepartmentCycle):
            move_department(conn, d["sales"], d["east_a"])
        with pytest.raises(DepartmentCycle):
            move_department(conn, d["sales"], d["sales"])
        move_department(conn, d["west"], d["finance"])
        assert children(conn, d["finance"]) == [d["west"]]
        move_department(conn, d["west"], None)
        assert ancestors(conn, d["west"]) == [d["west"]]


def test_head_of_a_department_falls_back_to_the_level_above(
    platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        d = org(conn)
        director = person(conn, platform, "director", d["sales"])
        lead = person(conn, platform, "lead", d["east"], director)
        rep = person(conn, platform, "rep_a", d["east_a"], lead)
        assert head_of(conn, d["east_a"]) is None
        set_head(conn, d["sales"], director)
        set_head(conn, d["east"], lead)
        assert head_of(conn, d["east"]) == lead
        assert head_of(conn, d["east_a"]) == lead  # no head of its own
        assert department_head_for(conn, rep) == lead
        # The head of a team asking for "the head of my department" reaches the level above.
        assert department_head_for(conn, lead) == director
        conn.execute(update(users).where(users.c.id == lead).values(is_active=False))
        assert head_of(conn, d["east"]) == director
        set_head(conn, d["east"], None)
        assert head_of(conn, d["east"]) == director
        assert department_head_for(conn, person(conn, platform, "nobody")) is None


def test_manager_chain_is_bounded_skips_leavers_and_survives_cycles(
    platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        ceo = person(conn, platform, "ceo")
        director = person(conn, platform, "director", manager=ceo)
        manager = person(conn, platform, "manager", manager=director)
        rep = person(conn, platform, "rep_b", manager=manager)
        assert manager_chain(conn, rep) == [manager, director, ceo]
        assert manager_of(conn, rep) == manager
        assert manager_of(conn, ceo) is None
        conn.execute(update(users).where(users.c.id == manager).values(is_active=False))
        assert manager_of(conn, rep) == director  # the work goes to the next one up
        conn.execute(update(users).where(users.c.id == ceo).values(manager_id=rep))
        assert manager_chain(conn, rep) == [director, ceo]
        assert manager_chain(conn, ceo) == [rep, director]


def test_a_very_long_reporting_line_is_cut_at_the_bound(platform: Platform, tenant: str) -> None:
    with platform.store.write(tenant) as conn:
        boss: int | None = None
        line = []
        for i in range(MAX_DEPTH + 5):
            boss = person(conn, platform, f"p{i}", manager=boss)
            line.append(boss)
        assert boss is not None
        chain = manager_chain(conn, boss)
        assert len(chain) == MAX_DEPTH
        assert chain == line[-2 : -MAX_DEPTH - 2 : -1]
