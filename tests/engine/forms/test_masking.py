"""Masks rewrite a whole statement: every use of a masked column reads through its
CASE, on the table and on aliases of it (golden SQL, no database)."""

from __future__ import annotations

from types import MappingProxyType

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects import sqlite

from engine.forms.masking import NO_MASKS, FieldMasks

metadata = MetaData()
leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("phone", String),
    Column("owner", Integer),
)
deals = Table("deals", metadata, Column("id", Integer), Column("lead", Integer))
MASKS = FieldMasks(MappingProxyType({leads: MappingProxyType({"phone": leads.c.owner.is_(None)})}))


def sql(statement: object) -> str:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    return " ".join(str(compiled).split())


def test_values_filters_sorts_and_groups_read_the_masked_column() -> None:
    statement = (
        select(leads.c.id, leads.c.phone)
        .where(leads.c.phone == "138")
        .order_by(leads.c.phone)
        .group_by(leads.c.phone)
    )
    masked = "CASE WHEN (leads.owner IS NULL) THEN NULL ELSE leads.phone END"
    assert sql(MASKS.apply(statement)) == (
        f"SELECT leads.id, {masked} AS phone FROM leads "
        f"WHERE {masked} = '138' GROUP BY {masked} ORDER BY {masked}"
    )
    # The statement it was given is not changed (callers cache theirs).
    assert "CASE" not in sql(statement)


def test_a_lookup_through_an_alias_reads_the_mask_on_the_alias() -> None:
    other = leads.alias("lead_1")
    lookup = select(other.c.phone).where(other.c.id == deals.c.lead).scalar_subquery()
    statement = select(deals.c.id, lookup.label("lead_phone"))
    assert sql(MASKS.apply(statement)) == (
        "SELECT deals.id, (SELECT CASE WHEN (lead_1.owner IS NULL) THEN NULL "
        "ELSE lead_1.phone END AS phone FROM leads AS lead_1 "
        "WHERE lead_1.id = deals.lead) AS lead_phone FROM deals"
    )


def test_no_masks_change_nothing() -> None:
    statement = select(func.count()).select_from(leads).where(leads.c.phone == "1")
    assert NO_MASKS.apply(statement) is statement
    assert not NO_MASKS and MASKS
