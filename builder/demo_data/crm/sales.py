"""Leads, customers, contacts, follow-ups, opportunities and quotes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from builder.demo_data.crm.catalogue import lines_total
from builder.demo_data.crm.organisation import TEAM_OF_REP
from builder.demo_data.crm.story import Customer, Deal, Story, weighted
from builder.demo_data.crm.words import (
    COMPETITORS,
    CUSTOMER_TAGS,
    DEAL_NAMES,
    DEAL_PLANS,
    DIRECT_SOURCES,
    INDUSTRIES,
    INVALID_REASONS,
    LEAD_NEEDS,
    LEAD_TAGS,
    LOST_REASONS,
    METHOD_WORDS,
    METHODS,
    QUOTE_TERMS,
    REACTIONS,
    SOURCES,
    TOPICS,
)
from builder.demo_data.names import DEPARTMENTS as CUSTOMER_DEPARTMENTS
from builder.demo_data.names import JOB_TITLES, City, Company, PersonName
from builder.demo_data.plan import Record, UserRef

WIN_RATE = 0.45

#: The most open leads a demo rep owns: below the template pool's
#: ``max_open_per_user`` (50), so that every rep can still claim from the pool.
OPEN_LEADS_PER_REP = 40


def add_customer(
    story: Story,
    day: date,
    at: datetime,
    company: Company,
    industry: str,
    source: str,
    owner: str,
    lead_person: tuple[PersonName, str | None, str | None, str | None] | None = None,
) -> Customer:
    """A customer with one to three contacts (a converted lead brings its one)."""
    city = company.city
    level = weighted(story.rng, (("strategic", 5), ("key", 20), ("normal", 50), ("small", 25)))
    kind = weighted(
        story.rng, (("enterprise", 85), ("government", 5), ("distributor", 8), ("individual", 2))
    )
    values: dict[str, Any] = {
        "name": company.name,
        "short_name": company.short_name,
        "customer_type": kind,
        "level": level,
        "status": "potential",
        "industry": industry,
        "company_size": story.rng.choice(("micro", "small", "medium", "large")),
        "source": source,
        "area": city.area,
        "region": story.names.address(city),
        "phone": story.names.landline(city),
        "website": f"https://www.{company.domain}",
        "credit_code": story.names.credit_code(),
        "owner": UserRef(owner),
        "credit_limit": Decimal(story.rng.choice((0, 50, 100, 200, 500))) * 1000,
        "tags": story.rng.sample(CUSTOMER_TAGS, story.rng.choice((0, 0, 1, 2))),
    }
    if story.rng.random() < 0.04:
        # A parent from an earlier month: the records of a month are written together.
        month = (day.year, day.month)
        earlier = [
            c
            for c in story.customers_by_city.get(city.name, [])
            if (c.day.year, c.day.month) < month
        ]
        if earlier:
            values["parent"] = story.rng.choice(earlier).record
    record = story.add("customer", at, values)
    customer = Customer(record, day, city, company, owner, [], level)
    count = story.rng.choice((1, 1, 2, 2, 3)) if lead_person is None else 1
    for i in range(count):
        if lead_person is not None and i == 0:
            person, job_title, mobile, email = lead_person
            contact_at = at
        else:
            person = story.names.person()
            job_title = story.rng.choice(JOB_TITLES)
            mobile = story.names.mobile()
            email = f"{person.pinyin}@{company.domain}"
            contact_at = story.moment(story.later(day, 0, 10))
        contact = story.add(
            "contact",
            contact_at,
            {
                "name": person.name,
                "customer": record,
                "gender": person.gender,
                "job_title": job_title,
                "department_name": story.rng.choice(CUSTOMER_DEPARTMENTS),
                "role": story.rng.choice(("decision_maker", "influencer", "user", "gatekeeper")),
                "mobile": mobile,
                "email": email,
                "wechat": f"wx_{person.pinyin.replace('.', '_')}" if i == 0 else None,
                "is_primary": i == 0,
                "birthday": date(
                    story.rng.randint(1965, 1998),
                    story.rng.randint(1, 12),
                    story.rng.randint(1, 28),
                )
                if story.rng.random() < 0.3
                else None,
                "owner": UserRef(owner),
            },
        )
        customer.contacts.append((contact, person))
    story.customers.append(customer)
    story.customers_by_city.setdefault(city.name, []).append(customer)
    return customer


def add_follow_ups(
    story: Story,
    start: date,
    end: date,
    count: int,
    owner: str,
    links: dict[str, Record],
    city: City,
    still_open: bool,
    contact: Record | None = None,
) -> tuple[datetime | None, date | None]:
    """``count`` follow-ups from ``start`` up to the last one on ``end``; returns
    that one's moment and its planned next date (for the linked record).

    Only the last follow-up of a record that is ``still_open`` has a next
    follow-up not done yet: overdue when its date has passed.
    """
    end = min(max(start, end), story.last_day)
    days = [*sorted(story.day_between(start, end) for _ in range(count - 1)), end]
    last_at: datetime | None = None
    next_on: date | None = None
    for i, day in enumerate(days):
        method = weighted(story.rng, METHODS)
        outcome = weighted(story.rng, (("positive", 40), ("neutral", 45), ("negative", 15)))
        topic = story.rng.choice(TOPICS)
        reaction = story.rng.choice(REACTIONS[outcome])
        at = story.moment(day)
        last = i == len(days) - 1
        planned: date | None = day + timedelta(days=story.rng.randint(3, 14))
        if last and not still_open:
            planned = None
        values: dict[str, Any] = {
            **links,
            "subject": f"{METHOD_WORDS[method]}：{topic}",
            "method": method,
            "followed_at": at,
            "contact": contact,
            "content": f"{METHOD_WORDS[method]}{topic}，{reaction}。",
            "outcome": outcome,
            "duration_minutes": {
                "call": story.rng.randint(3, 40),
                "visit": story.rng.randint(30, 180),
                "meeting": story.rng.randint(30, 120),
            }.get(method),
            "next_follow_up_on": planned,
            "next_step": f"继续跟进{story.rng.choice(TOPICS)}" if planned else None,
            "next_follow_up_done": not (last and still_open),
            "owner": UserRef(owner),
        }
        if method == "visit":
            values["check_in"] = story.names.location(city, f"{city.name}市")
            if story.rng.random() < 0.3:
                values["participants"] = [UserRef(owner), UserRef(TEAM_OF_REP[owner].manager)]
        story.add("follow_up", at, values)
        last_at, next_on = at, planned
    return last_at, next_on


def leads(story: Story) -> None:
    """The leads of 18 months: converted, invalid, in the pool or being worked."""
    total = story.counts["lead"]
    max_conversions = story.counts["customer"] // 2
    conversions = 0
    days = sorted(story.day_between(story.first_day, story.last_day) for _ in range(total))
    for day in days:
        age = (story.last_day - day).days
        city = story.city()
        industry = weighted(story.rng, INDUSTRIES)
        company = story.names.company(industry, city)
        person = story.names.person()
        source = weighted(story.rng, SOURCES)
        roll = story.rng.random()
        if age > 10 and roll < 0.13 and conversions < max_conversions:
            kind = "converted"
            conversions += 1
        elif roll < 0.23:
            kind = "invalid"
        elif roll < 0.43:
            kind = "pool"
        else:
            kind = "owned"
        add_lead(story, day, city, industry, company, person, source, kind)


def add_lead(
    story: Story,
    day: date,
    city: City,
    industry: str,
    company: Company,
    person: PersonName,
    source: str,
    kind: str,
) -> None:
    """One lead of ``kind`` converted, invalid, pool or owned, with its follow-ups."""
    rng = story.rng
    at = story.moment(day)
    owner = story.rep_for(city.area)
    if kind == "owned":
        if story.open_leads[owner] >= OPEN_LEADS_PER_REP:
            # A rep at capacity would have had to give leads back: this one waits in the pool.
            kind = "pool"
        else:
            story.open_leads[owner] += 1
    phone = story.names.mobile() if rng.random() < 0.9 else None
    email = f"{person.pinyin}@{company.domain}" if rng.random() < 0.6 else None
    job_title = rng.choice(JOB_TITLES)
    values: dict[str, Any] = {
        "company": company.name,
        "contact_name": person.name,
        "job_title": job_title,
        "phone": phone,
        "email": email,
        "source": source,
        "industry": industry,
        "company_size": rng.choice(("micro", "small", "medium", "large")),
        "area": city.area,
        "region": story.names.address(city),
        "tags": rng.sample(LEAD_TAGS, rng.choice((0, 0, 1, 2))),
        "description": f"关注{rng.choice(TOPICS)}，{rng.choice(LEAD_NEEDS)}。",
    }
    assigned = story.moment(story.later(day, 0, 2))
    if kind == "converted":
        converted_on = story.later(day, 3, 45)
        converted_at = story.moment(converted_on, 15, 18)
        customer = add_customer(
            story,
            converted_on,
            converted_at,
            company,
            industry,
            source,
            owner,
            (person, job_title, phone, email),
        )
        values |= {
            "score": rng.randint(60, 100),
            "status": "converted",
            "owner": UserRef(owner),
            "assigned_at": assigned,
            "converted_customer": customer.record,
            "converted_at": converted_at,
        }
        record = story.add("lead", at, values)
        values["last_followed_up_at"], _ = add_follow_ups(
            story, day, converted_on, rng.randint(1, 2), owner, {"lead": record}, city, False
        )
        if rng.random() < 0.9:
            add_deal(story, customer, converted_on, source, record)
        return
    if kind == "invalid":
        values |= {
            "score": rng.randint(0, 35),
            "status": "invalid",
            "invalid_reason": rng.choice(INVALID_REASONS),
            "owner": UserRef(owner),
            "assigned_at": assigned,
        }
        record = story.add("lead", at, values)
        end = story.later(day, 1, 10)
        values["last_followed_up_at"], _ = add_follow_ups(
            story, day, end, 1, owner, {"lead": record}, city, False
        )
        return
    if kind == "pool":
        returned = (story.last_day - day).days > 30 and rng.random() < 0.6
        values |= {"score": rng.randint(10, 80), "owner": None}
        if returned:
            entered = story.later(day, 20, 60)
            values |= {
                "status": "contacting",
                "assigned_at": assigned,
                "pool_entered_at": story.moment(entered),
                "return_reason": weighted(
                    rng,
                    (
                        ("no_follow_up", 60),
                        ("not_interested", 20),
                        ("unreachable", 15),
                        ("owner_left", 5),
                    ),
                ),
                "times_returned": rng.choice((1, 1, 1, 2)),
            }
            record = story.add("lead", at, values)
            last_at, _ = add_follow_ups(
                story,
                day,
                entered - timedelta(days=16),
                rng.randint(1, 2),
                owner,
                {"lead": record},
                city,
                False,
            )
            record.values["last_followed_up_at"] = last_at
        else:
            values |= {"status": "new", "pool_entered_at": at}
            story.add("lead", at, values)
        return
    age = (story.last_day - day).days
    status = (
        "new"
        if age <= 7 or rng.random() < 0.15
        else weighted(rng, (("contacting", 70), ("qualified", 30)))
    )
    values |= {
        "score": rng.randint(30, 95) if status != "new" else rng.randint(20, 70),
        "status": status,
        "owner": UserRef(owner),
        "assigned_at": assigned,
    }
    record = story.add("lead", at, values)
    if status == "new":
        values["next_follow_up_on"] = story.later(day, 1, 3)
        return
    # About one owned lead in eight has not been followed up for over two
    # weeks: what the pool's return rule is for.
    stale = rng.random() < 0.12
    # The others were followed up within the last days: a few of them 3+ days ago,
    # which the rule "not followed up for 3 days" reminds their owners of.
    end = story.last_day - timedelta(days=rng.randint(16, 40) if stale else rng.randint(0, 3))
    values["last_followed_up_at"], values["next_follow_up_on"] = add_follow_ups(
        story,
        max(day, end - timedelta(days=90)),
        end,
        2 if rng.random() < 0.3 else 1,
        owner,
        {"lead": record},
        city,
        True,
    )


def deals_for_customers(story: Story) -> None:
    """Opportunities of existing customers, bigger customers more often."""
    wanted = story.counts["opportunity"] - len(story.deals)
    weights = [
        {"strategic": 6, "key": 3, "normal": 2, "small": 1}[c.level] for c in story.customers
    ]
    for _ in range(max(0, wanted)):
        for _attempt in range(20):
            customer = story.rng.choices(story.customers, weights)[0]
            if customer.day < story.last_day - timedelta(days=3):
                break
        opened = story.day_between(customer.day + timedelta(days=1), story.last_day)
        add_deal(story, customer, opened, weighted(story.rng, SOURCES), None)


def add_deal(
    story: Story, customer: Customer, opened: date, source: str, lead: Record | None
) -> None:
    """An opportunity: older ones mostly closed, young ones in the early stages."""
    rng = story.rng
    age = (story.last_day - opened).days
    p_closed = min(0.95, max(0.0, (age - 20) / 160))
    stages = ("initial", "needs", "proposal", "negotiation")
    closed: date | None = None
    if rng.random() < p_closed:
        stage = "won" if rng.random() < WIN_RATE else "lost"
        closed = story.later(opened, 15, max(15, min(age, 200)))
        reached = rng.choices(stages, (10, 25, 35, 30))[0] if stage == "lost" else "negotiation"
    else:
        weights = (45, 35, 15, 5) if age < 30 else (15, 30, 30, 25)
        stage = rng.choices(stages, weights)[0]
        reached = stage
    cap = Decimal("0.25") if customer.level in ("strategic", "key") else Decimal("0.15")
    lines = story.deal_lines(customer.level, cap)
    contact = rng.choice(customer.contacts)[0]
    values: dict[str, Any] = {
        "name": customer.company.short_name + rng.choice(DEAL_NAMES),
        "customer": customer.record,
        "contact": contact,
        "lead": lead,
        "opportunity_type": rng.choice(("upsell", "renewal")) if customer.deals else "new_business",
        "stage": stage,
        "amount": (lines_total(lines) / 1000).quantize(Decimal(1)) * 1000,
        "opened_on": opened,
        "source": source,
        "owner": UserRef(customer.owner),
        "competitors": rng.sample(COMPETITORS, rng.choice((0, 1, 1, 2))),
        "description": f"客户希望解决{rng.choice(TOPICS)}问题，{rng.choice(DEAL_PLANS)}。",
    }
    if closed is None:
        expected = opened + timedelta(days=rng.randint(30, 150))
        if expected < story.today:
            expected = story.today + timedelta(days=rng.randint(5, 60))
        values["expected_close_date"] = expected
        values["next_step"] = f"推进{rng.choice(TOPICS)}"
    else:
        values["expected_close_date"] = closed
        values["closed_on"] = closed
    if stage == "lost":
        values["lost_reason"] = weighted(rng, LOST_REASONS)
        values["lost_note"] = rng.choice(REACTIONS["negative"]) + "。"
    record = story.add("opportunity", story.moment(opened), values)
    deal = Deal(record, customer, opened, stage, closed, reached, lines)
    story.deals.append(deal)
    customer.deals += 1
    end = closed or story.last_day - timedelta(days=rng.randint(0, 10))
    last_at, next_on = add_follow_ups(
        story,
        opened,
        end,
        rng.randint(1, 2),
        customer.owner,
        {"opportunity": record, "customer": customer.record},
        customer.city,
        closed is None,
        contact,
    )
    values["last_followed_up_at"] = last_at
    values["next_follow_up_on"] = next_on


def balance_wins(story: Story) -> None:
    """Exactly as many won deals as contracts (extra ones become service contracts)."""
    won = [d for d in story.deals if d.stage == "won"]
    excess = len(won) - story.counts["contract"]
    for deal in story.rng.sample(won, max(0, excess)):
        deal.stage = "lost"
        deal.reached = "negotiation"
        deal.record.values |= {
            "stage": "lost",
            "lost_reason": weighted(story.rng, LOST_REASONS),
            "lost_note": story.rng.choice(REACTIONS["negative"]) + "。",
        }


def quotes(story: Story) -> None:
    """Quotes of deals that reached the proposal stage; the last one counts."""
    rng = story.rng
    order = ("initial", "needs", "proposal", "negotiation")
    for deal in story.deals:
        if order.index(deal.reached) < 2:
            continue
        end = deal.closed or story.last_day
        count = 2 if rng.random() < 0.1 else 1
        days = sorted(story.day_between(deal.opened + timedelta(days=5), end) for _ in range(count))
        customer = deal.customer
        channel = (
            "key_account"
            if customer.level in ("strategic", "key")
            else "distributor"
            if customer.record.values["customer_type"] == "distributor"
            else "standard"
        )
        for i, day in enumerate(days):
            final = i == len(days) - 1
            lines = [dict(line) for line in deal.lines]
            if not final:
                for line in lines:
                    line["discount"] = max(Decimal(0), line["discount"] - Decimal("0.05"))
            status = _quote_status(story, deal, final, day)
            quote = story.add(
                "quote",
                story.moment(day),
                {
                    "title": f"{deal.record.values['name']}报价" + ("" if final else "（初版）"),
                    "customer": customer.record,
                    "contact": deal.record.values["contact"],
                    "opportunity": deal.record,
                    "price_list": story.price_lists[channel],
                    "quote_date": day,
                    "valid_until": day + timedelta(days=30),
                    "status": status,
                    "lines": lines,
                    "tax_included": True,
                    "terms": QUOTE_TERMS,
                    "owner": UserRef(customer.owner),
                },
            )
            if final:
                deal.final_quote = quote
                deal.record.values["amount"] = lines_total(lines)


def _quote_status(story: Story, deal: Deal, final: bool, day: date) -> str:
    if not final:
        return "expired"
    if deal.stage == "won":
        return "accepted"
    if deal.stage == "lost":
        return story.rng.choice(("rejected", "rejected", "expired"))
    if (story.last_day - day).days > 30:
        return "expired" if story.rng.random() < 0.3 else "sent"
    return story.rng.choice(("draft", "in_approval", "approved", "sent", "sent"))


def direct_customers(story: Story) -> None:
    """Customers that did not come from a lead: four in ten were already
    customers when the system went live, the rest came by referral, fairs, partners."""
    direct = story.counts["customer"] - len(story.customers)
    existing = max(1, round(direct * 0.4))
    for i in range(direct):
        day = (
            story.day_between(story.first_day, story.first_day + timedelta(days=30))
            if i < existing
            else story.day_between(story.first_day, story.last_day)
        )
        city = story.city()
        industry = weighted(story.rng, INDUSTRIES)
        company = story.names.company(industry, city)
        source = weighted(story.rng, DIRECT_SOURCES)
        add_customer(
            story, day, story.moment(day), company, industry, source, story.rep_for(city.area)
        )


def finish_customers(story: Story) -> None:
    """Last follow-up and status of customers, once their deals are known."""
    latest_by_customer: dict[int, datetime] = {}
    for deal in story.deals:
        at = deal.record.values.get("last_followed_up_at")
        key = id(deal.customer)
        if at is not None and (key not in latest_by_customer or at > latest_by_customer[key]):
            latest_by_customer[key] = at
    for customer in story.customers:
        values = customer.record.values
        latest = latest_by_customer.get(id(customer))
        values["last_followed_up_at"] = latest
        if values["status"] == "active" and latest and (story.last_day - latest.date()).days > 270:
            values["status"] = "dormant"
        elif values["status"] == "potential" and story.rng.random() < 0.05:
            values["status"] = "churned"
