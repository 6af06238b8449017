"""Demo data of the CRM template: a sales team's last 18 months, lead to cash.

``crm_plan(seed, scale, today)`` is a pure function: the same arguments give
the same records (``DemoPlan.snapshot``), on any database. At ``scale=1`` it
holds 2,000 leads, 500 customers, 1,000 opportunities and 300 contracts
(other entities follow from them); smaller scales keep the proportions, for
tests. The people (23 users in a sales department with three teams, and
finance) do not scale.

The story the data tells, so that every view has something to show:
leads arrive evenly over 18 months from eight sources; about one in eight
is converted into a customer, a contact and usually an opportunity; one in
five waits in the pool, some of them returned there after their owner
stopped following up; opportunities move through the stages, older ones
mostly closed (won or lost with a reason); won deals get a quote accepted,
a contract with the quote's lines, an order, a payment plan of one to three
instalments, receipts (some late, some partial, some missing: overdue) and
invoices; some customers raise service tickets. Reps have monthly targets,
teams quarterly ones, and everyone has to-dos, a few of them overdue. The
dates meet the CRM's date rules on ``today`` (``clock.py``): some
instalments fall due within three days, some are overdue, some open leads
wait 3+ days for a follow-up.
"""

from __future__ import annotations

from datetime import date

from builder.demo_data.crm.aftercare import targets, tickets, todos
from builder.demo_data.crm.catalogue import catalogue
from builder.demo_data.crm.clock import instalments_due_soon
from builder.demo_data.crm.money import contracts_and_money
from builder.demo_data.crm.sales import (
    balance_wins,
    deals_for_customers,
    direct_customers,
    finish_customers,
    leads,
    quotes,
)
from builder.demo_data.crm.story import BASE_COUNTS, HISTORY_DAYS, ORDER, Story
from builder.demo_data.plan import DemoSet

DEFAULT_SEED = 20261122


def crm_demo(seed: int = DEFAULT_SEED, scale: float = 1.0, today: date | None = None) -> DemoSet:
    """The organisation and the records of the CRM demo; the same for the same arguments."""
    story = Story(seed, scale, today or date.today())
    catalogue(story)
    leads(story)
    direct_customers(story)
    deals_for_customers(story)
    balance_wins(story)
    quotes(story)
    contracts_and_money(story)
    instalments_due_soon(story)
    tickets(story)
    targets(story)
    todos(story)
    finish_customers(story)
    return DemoSet(story.org, story.plan)


__all__ = ["BASE_COUNTS", "DEFAULT_SEED", "HISTORY_DAYS", "ORDER", "crm_demo"]
