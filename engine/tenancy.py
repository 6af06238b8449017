"""What a tenant decides for all its apps, read in one place.

The time zone is the first such setting: it says which calendar day "today"
is (views' ``$today``, ``TODAY()``), how date-times without an offset in a
spreadsheet are read and written, the stamp of an export's file name, when a
pool's "N days without follow-up" are over, and the wall clock of a cron
schedule declared in the tenant's zone. A tenant that never chose one has
``DEFAULT_TIMEZONE``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, delete, insert, select

from engine.store.tables import tenant_settings

#: The zone of a tenant that never chose one (the product is built for China).
DEFAULT_TIMEZONE = "Asia/Shanghai"
TIMEZONE = "timezone"


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known time zone") from None


def tenant_timezone(conn: Connection) -> ZoneInfo:
    """The time zone of the tenant whose store ``conn`` is connected to."""
    name = conn.execute(
        select(tenant_settings.c.value).where(tenant_settings.c.key == TIMEZONE)
    ).scalar_one_or_none()
    return zone(name) if name is not None else zone(DEFAULT_TIMEZONE)


def set_tenant_timezone(conn: Connection, name: str) -> ZoneInfo:
    """Make ``name`` the tenant's time zone (in the caller's transaction); ValueError if unknown."""
    chosen = zone(name)
    conn.execute(delete(tenant_settings).where(tenant_settings.c.key == TIMEZONE))
    conn.execute(insert(tenant_settings).values(key=TIMEZONE, value=chosen.key))
    return chosen


__all__ = ["DEFAULT_TIMEZONE", "set_tenant_timezone", "tenant_timezone", "zone"]
