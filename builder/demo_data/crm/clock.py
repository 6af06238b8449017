"""The demo's clock: dates that meet the CRM's date rules on the day the demo is made.

The CRM's rules remind a rep 3 days before an instalment is due, tell the
owner, the manager and finance the day after it was due, and tell the
owner and the manager about an open lead nobody followed up for 3 days.
``make run`` generates the demo for today, so the demo's data must hold
each of these cases relative to today: then the first tick of the rules'
clock after the install (which fires the timers already due) fills the
bell on day one.

Leads 3+ days without a follow-up and overdue instalments follow from the
story already (``sales.add_lead``, ``money.add_payment_plans``); what the
story does not guarantee is an instalment falling due in the next three
days, so the earliest unpaid future instalments are moved there.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from builder.demo_data.crm.story import Story
from builder.demo_data.plan import Record

#: Days before the due date the rule ``instalment_due_soon`` reminds the owner.
REMIND_DAYS = 3
#: Days without a follow-up after which ``lead_follow_up_overdue`` speaks.
QUIET_DAYS = 3
OPEN_LEAD = frozenset({"new", "contacting", "qualified"})


def _unpaid(plan: Record) -> bool:
    values = plan.values
    return not values["cancelled"] and Decimal(values["received_amount"] or 0) == 0


def instalments_due_soon(story: Story) -> None:
    """Move the earliest unpaid future instalments to the next ``REMIND_DAYS`` days.

    The earliest ones, so instalments of one contract keep their order; a
    few of them, a handful at full scale.
    """
    wanted = max(2, round(6 * story.scale))
    future = sorted(
        (p for p in story.plan.records.get("payment_plan", []) if _unpaid(p)),
        key=lambda p: p.values["due_date"],
    )
    future = [p for p in future if p.values["due_date"] > story.today]
    for i, plan in enumerate(future[:wanted]):
        plan.values["due_date"] = story.today + timedelta(days=1 + i % REMIND_DAYS)


def due_soon(records: list[Record], today: date) -> list[Record]:
    """Instalments the reminder rule fires for on ``today``."""
    end = today + timedelta(days=REMIND_DAYS)
    return [
        p
        for p in records
        if not p.values["cancelled"]
        and today <= p.values["due_date"] <= end
        and Decimal(p.values["amount"]) > Decimal(p.values["received_amount"] or 0)
    ]


def overdue(records: list[Record], today: date) -> list[Record]:
    """Instalments the overdue rule has fired for by ``today``."""
    return [
        p
        for p in records
        if not p.values["cancelled"]
        and p.values["due_date"] < today
        and Decimal(p.values["amount"]) > Decimal(p.values["received_amount"] or 0)
    ]


def quiet_leads(records: list[Record], now: datetime) -> list[Record]:
    """Open, owned leads whose last follow-up (or assignment) is 3+ days old at ``now``."""
    found = []
    for lead in records:
        values = lead.values
        anchor = values.get("last_followed_up_at") or values.get("assigned_at")
        if (
            values.get("owner") is not None
            and values.get("status") in OPEN_LEAD
            and anchor is not None
            and anchor + timedelta(days=QUIET_DAYS) <= now
        ):
            found.append(lead)
    return found


__all__ = ["due_soon", "instalments_due_soon", "overdue", "quiet_leads"]
