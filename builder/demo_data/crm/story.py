"""The state of one demo generation: the clock, the random stream, the plan
so far and what later steps need to know about earlier records."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from builder.demo_data.crm.catalogue import DEALS, PRODUCT, money
from builder.demo_data.crm.organisation import TEAM_OF_AREA, organisation
from builder.demo_data.crm.words import CITY_WEIGHTS
from builder.demo_data.names import CITIES, City, Company, NameMaker, PersonName
from builder.demo_data.plan import DemoPlan, Record

TZ = ZoneInfo("Asia/Shanghai")
#: Eighteen months of history before ``today``.
HISTORY_DAYS = 548
#: Records at ``scale=1`` of the entities the data set is sized by.
BASE_COUNTS = {"lead": 2000, "customer": 500, "opportunity": 1000, "contract": 300}
#: The order records are written in: every entity after the ones it links to.
ORDER = (
    "product", "price_list", "customer", "contact", "lead", "opportunity", "follow_up", "quote",
    "contract", "order", "payment_plan", "payment_receipt", "invoice", "ticket", "sales_target",
    "todo",
)  # fmt: skip


def weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


@dataclass
class Deal:
    """What the generator remembers of an opportunity beyond its values."""

    record: Record
    customer: Customer
    opened: date
    stage: str
    closed: date | None
    #: The furthest open stage the deal reached (for lost deals: before losing).
    reached: str
    lines: list[dict[str, Any]]
    final_quote: Record | None = None


@dataclass
class Customer:
    record: Record
    day: date
    city: City
    company: Company
    owner: str
    contacts: list[tuple[Record, PersonName]]
    level: str
    deals: int = 0


class Story:
    """Everything the steps of the generator share; each step is a module function."""

    def __init__(self, seed: int, scale: float, today: date) -> None:
        if not 0 < scale <= 10:
            raise ValueError("scale must be above 0 and at most 10")
        self.rng = random.Random(seed)
        self.names = NameMaker(self.rng)
        self.scale = scale
        self.today = today
        self.last_day = today - timedelta(days=1)
        self.first_day = today - timedelta(days=HISTORY_DAYS)
        self.counts = {k: max(1, round(v * scale)) for k, v in BASE_COUNTS.items()}
        self.plan = DemoPlan(ORDER)
        self.org = organisation(self.names)
        self.products: dict[str, Record] = {}
        self.price_lists: dict[str, Record] = {}
        self.customers: list[Customer] = []
        self.customers_by_city: dict[str, list[Customer]] = {}
        self.deals: list[Deal] = []
        self.contracts: list[tuple[Record, Customer, date | None, str]] = []
        self.overdue_plans: list[tuple[Record, Record, str, date]] = []
        #: Open leads each rep owns so far (user name → count).
        self.open_leads: Counter[str] = Counter()

    # time -------------------------------------------------------------------------
    def day_between(self, start: date, end: date) -> date:
        start, end = max(start, self.first_day), min(end, self.last_day)
        if end <= start:
            return min(start, self.last_day)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def later(self, day: date, low: int, high: int) -> date:
        return min(day + timedelta(days=self.rng.randint(low, high)), self.last_day)

    def moment(self, day: date, earliest: int = 9, latest: int = 18) -> datetime:
        at = time(self.rng.randint(earliest, latest - 1), self.rng.randrange(60))
        return datetime.combine(day, at, TZ)

    # helpers ----------------------------------------------------------------------
    def rep_for(self, area: str) -> str:
        return self.rng.choice(TEAM_OF_AREA[area].reps)

    def city(self) -> City:
        return self.rng.choices(CITIES, CITY_WEIGHTS)[0]

    def add(self, entity: str, at: datetime, values: dict[str, Any]) -> Record:
        return self.plan.add(entity, at, values)

    def deal_lines(self, level: str, discount_cap: Decimal) -> list[dict[str, Any]]:
        price_factor = Decimal("0.90") if level in ("strategic", "key") else Decimal(1)
        lines = []
        for code, low, high in self.rng.choice(DEALS):
            product = PRODUCT[code]
            qty = self.rng.randint(low, high)
            if product.category[0] == "hardware" and self.scale < 1:
                qty = max(low, qty // 2)
            top = min(discount_cap, Decimal("0.25"))
            steps = int(top * 100)
            discount = Decimal(self.rng.randint(0, steps)) / 100
            if product.category[0] == "service":
                discount = Decimal(0)
            lines.append(
                {
                    "product": self.products[code],
                    "description": product.spec,
                    "qty": qty,
                    "unit_price": money(product.price * price_factor),
                    "discount": discount,
                }
            )
        return lines
