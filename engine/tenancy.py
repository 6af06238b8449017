"""What a tenant decides for all its apps, read in one place.

The time zone is the first such setting: it says which calendar day "today"
is (views' ``$today``, ``TODAY()`` in formulas, defaults, conditions and
rules), how date-times without an offset are read (record input, spreadsheets),
the day or month a date-time falls in when aggregates group by period, the
stamp of an export's file name, when a pool's "N days without follow-up" are
over, when a date rule's timer is due, and the wall clock of a cron schedule
declared in the tenant's zone. ``tenant_timezone`` is its one reader (a write
context asks it once, ``WriteContext.zone()``); a tenant that never chose one
has ``DEFAULT_TIMEZONE``, the only place that default is written down.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, delete, insert, select

from engine.store.tables import tenant_settings

#: The zone of a tenant that never chose one (the product is built for China).
DEFAULT_TIMEZONE = "Asia/Shanghai"
TIMEZONE = "timezone"
#: Connection info key: (transaction, zone) read in that transaction.
_READ = "formwork.tenancy.timezone"


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known time zone") from None


def tenant_timezone(conn: Connection) -> ZoneInfo:
    """The time zone of the tenant whose store ``conn`` is connected to.

    Read once per transaction: a request that lists pooled leads, masks their
    fields and groups a chart by month asks several times for the same answer.
    """
    transaction = conn.get_transaction()
    held = conn.info.get(_READ)
    if held is not None and transaction is not None and held[0] is transaction:
        found: ZoneInfo = held[1]
        return found
    name = conn.execute(
        select(tenant_settings.c.value).where(tenant_settings.c.key == TIMEZONE)
    ).scalar_one_or_none()
    chosen = zone(name) if name is not None else zone(DEFAULT_TIMEZONE)
    if transaction is not None:
        conn.info[_READ] = (transaction, chosen)
    return chosen


def set_tenant_timezone(conn: Connection, name: str) -> ZoneInfo:
    """Make ``name`` the tenant's time zone (in the caller's transaction); ValueError if unknown."""
    chosen = zone(name)
    conn.execute(delete(tenant_settings).where(tenant_settings.c.key == TIMEZONE))
    conn.execute(insert(tenant_settings).values(key=TIMEZONE, value=chosen.key))
    conn.info.pop(_READ, None)
    return chosen


__all__ = ["DEFAULT_TIMEZONE", "set_tenant_timezone", "tenant_timezone", "zone"]
