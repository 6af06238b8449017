"""Contracts, orders, payment plans, receipts and invoices: the cash end."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from builder.demo_data.crm.catalogue import PRODUCT, lines_total, money
from builder.demo_data.crm.organisation import FINANCE, TEAM_OF_REP
from builder.demo_data.crm.story import Customer, Deal, Story
from builder.demo_data.crm.words import BANKS, SPLITS
from builder.demo_data.plan import Record, UserRef


def contracts_and_money(story: Story) -> None:
    """A contract per won deal, then service contracts up to the wanted count."""
    won = sorted((d for d in story.deals if d.stage == "won"), key=lambda d: d.closed or d.opened)
    for deal in won:
        assert deal.closed is not None
        lines = deal.final_quote.values["lines"] if deal.final_quote else deal.lines
        add_contract(story, deal.customer, deal.closed, [dict(x) for x in lines], deal, "sales")
    active = [c for c in story.customers if c.record.values["status"] == "active"]
    for _ in range(story.counts["contract"] - len(won)):
        customer = story.rng.choice(active or story.customers)
        day = story.day_between(customer.day + timedelta(days=30), story.last_day)
        lines = [
            {
                "product": story.products["SV-MNT-001"],
                "description": "年度维保",
                "qty": 1,
                "unit_price": PRODUCT["SV-MNT-001"].price,
                "discount": Decimal(0),
            },
            {
                "product": story.products["SV-MNT-003"],
                "description": "远程支持",
                "qty": 1,
                "unit_price": PRODUCT["SV-MNT-003"].price,
                "discount": Decimal(0),
            },
        ]
        add_contract(story, customer, day, lines, None, "service")


def add_contract(
    story: Story,
    customer: Customer,
    day: date,
    lines: list[dict[str, Any]],
    deal: Deal | None,
    contract_type: str,
) -> None:
    """A contract with the deal's lines; a signed one gets its plan and order."""
    rng = story.rng
    signed = story.later(day, 0, 5)
    age = (story.last_day - signed).days
    if age < 4 and rng.random() < 0.6:
        status = rng.choice(("draft", "in_approval"))
    elif rng.random() < 0.03 and age > 60:
        status = "terminated"
    elif age < 20:
        status = "signed"
    elif age > 300 and rng.random() < 0.85:
        status = "completed"
    else:
        status = "executing"
    is_signed = status not in ("draft", "in_approval")
    total = lines_total(lines)
    split = rng.choice(SPLITS) if contract_type == "sales" else SPLITS[0]
    terms = "、".join(f"第{i + 1}期{int(s * 100)}%" for i, s in enumerate(split))
    title_base = deal.record.values["name"] if deal else f"{customer.company.short_name}年度维保"
    values: dict[str, Any] = {
        "title": f"{title_base}合同",
        "customer": customer.record,
        "contact": customer.contacts[0][0],
        "opportunity": deal.record if deal else None,
        "quote": deal.final_quote if deal else None,
        "contract_type": contract_type,
        "status": status,
        "signed_on": signed if is_signed else None,
        "start_date": signed,
        "end_date": signed + timedelta(days=365),
        "lines": lines,
        "payment_method": rng.choice(("bank_transfer", "bank_transfer", "acceptance_bill")),
        "payment_terms": f"按{len(split)}期付款：{terms}。",
        "owner": UserRef(customer.owner),
        "our_signatory": UserRef(TEAM_OF_REP[customer.owner].manager),
        "termination_reason": "客户经营调整，双方协商终止合同。"
        if status == "terminated"
        else None,
    }
    record = story.add("contract", story.moment(day), values)
    story.contracts.append((record, customer, signed if is_signed else None, status))
    if is_signed:
        customer.record.values["status"] = "active"
        add_payment_plans(story, record, customer, signed, total, split, status)
        if contract_type == "sales":
            add_order(story, record, customer, signed, lines, status)


def add_payment_plans(
    story: Story,
    contract: Record,
    customer: Customer,
    signed: date,
    total: Decimal,
    split: tuple[Decimal, ...],
    status: str,
) -> None:
    """One to three instalments adding up to the contract; receipts as they came."""
    rng = story.rng
    offsets = ((10, 20), (60, 150), (200, 360))
    amounts = [money(total * share) for share in split[:-1]]
    amounts.append(total - sum(amounts, Decimal(0)))
    plan_at = story.moment(signed)
    for i, amount in enumerate(amounts):
        low, high = offsets[i]
        due = signed + timedelta(days=rng.randint(low, high))
        cancelled = status == "terminated" and i > 0
        values: dict[str, Any] = {
            "contract": contract,
            "customer": customer.record,
            "instalment": i + 1,
            "due_date": due,
            "amount": amount,
            "received_amount": Decimal(0),
            "cancelled": cancelled,
            "owner": UserRef(customer.owner),
        }
        plan = story.add("payment_plan", plan_at, values)
        if cancelled:
            continue
        share = _payment_outcome(story, due, status)
        paid = amount if share == 1 else money(amount * share)
        received = Decimal(0)
        if paid > 0:
            parts = (
                [paid]
                if paid < amount or rng.random() < 0.9
                else [money(paid * Decimal("0.5")), paid - money(paid * Decimal("0.5"))]
            )
            on = story.later(due, -10, 25) if due <= story.last_day else story.later(due, -20, -5)
            on = max(on, signed)
            for part in parts:
                received += add_receipt(story, contract, customer, plan, on, part)
                on = story.later(on, 3, 20)
            values["received_amount"] = received
            if received:
                add_invoice(story, contract, customer, received, on)
        if received < amount and due < story.today:
            story.overdue_plans.append((plan, contract, customer.owner, due))
        elif received == 0 and (due - story.today).days < 30 and rng.random() < 0.3:
            add_invoice(story, contract, customer, amount, None)


def _payment_outcome(story: Story, due: date, status: str) -> Decimal:
    """The share of an instalment paid so far: 1, a part, or 0."""
    rng = story.rng
    late = (story.last_day - due).days
    if status == "completed":
        return Decimal(1)
    if late > 90:
        weights = (85, 5, 10)
    elif late > 30:
        weights = (70, 10, 20)
    elif late >= 0:
        weights = (50, 10, 40)
    else:
        weights = (5, 0, 95)
    return rng.choices((Decimal(1), Decimal(rng.randint(3, 7)) / 10, Decimal(0)), weights)[0]


def add_receipt(
    story: Story, contract: Record, customer: Customer, plan: Record, on: date, amount: Decimal
) -> Decimal:
    """Add a receipt; returns the amount finance has confirmed (0 while pending)."""
    rng = story.rng
    confirmed = (story.last_day - on).days > 4
    story.add(
        "payment_receipt",
        story.moment(on),
        {
            "contract": contract,
            "customer": customer.record,
            "payment_plan": plan,
            "received_on": on,
            "amount": amount,
            "method": contract.values["payment_method"],
            "payer_account": f"{rng.choice(BANKS)} 6222 **** {rng.randrange(10000):04d}",
            "bank_reference": f"{rng.randrange(10**15, 10**16)}",
            "status": "confirmed" if confirmed else "pending",
            "confirmed_by": UserRef(rng.choice(FINANCE)) if confirmed else None,
            "confirmed_at": story.moment(story.later(on, 1, 2)) if confirmed else None,
            "owner": UserRef(customer.owner),
        },
    )
    return amount if confirmed else Decimal(0)


def add_invoice(
    story: Story, contract: Record, customer: Customer, amount: Decimal, paid_on: date | None
) -> None:
    """An invoice for money received (issued), or asked for before payment."""
    rng = story.rng
    day = story.later(paid_on, -3, 3) if paid_on else story.later(story.last_day, -5, 0)
    issued = paid_on is not None and (story.last_day - day).days > 2
    kind = rng.choice(("vat_special", "vat_special", "vat_normal", "digital"))
    number = (
        f"{rng.randrange(10**19, 10**20)}"
        if kind == "digital"
        else f"{rng.randrange(10**7, 10**8)}"
    )
    void = issued and rng.random() < 0.02
    values = customer.record.values
    story.add(
        "invoice",
        story.moment(day),
        {
            "contract": contract,
            "customer": customer.record,
            "invoice_type": kind,
            "buyer_name": values["name"],
            "buyer_tax_no": values["credit_code"],
            "buyer_bank": f"{rng.choice(BANKS)} {rng.randrange(10**15, 10**16)}",
            "buyer_address_phone": f"{values['region']['city']}{values['region']['detail']} "
            f"{values['phone']}",
            "amount": amount,
            "tax_rate": Decimal("0.13"),
            "status": "void" if void else "issued" if issued else "requested",
            "invoice_no": number if issued else None,
            "issued_on": day if issued else None,
            "issued_by": UserRef(rng.choice(FINANCE)) if issued else None,
            "owner": UserRef(customer.owner),
        },
    )


def add_order(
    story: Story,
    contract: Record,
    customer: Customer,
    signed: date,
    lines: list[dict[str, Any]],
    status: str,
) -> None:
    """The sales order of a signed contract, shipped according to its age."""
    rng = story.rng
    day = story.later(signed, 0, 10)
    age = (story.last_day - day).days
    order_status = {
        "terminated": "cancelled",
        "completed": "received",
    }.get(status) or (
        rng.choice(("pending", "partially_shipped"))
        if age < 15
        else rng.choice(("shipped", "received", "received"))
    )
    contact, person = customer.contacts[0]
    story.add(
        "order",
        story.moment(day),
        {
            "customer": customer.record,
            "contract": contract,
            "order_date": day,
            "delivery_date": day + timedelta(days=rng.randint(7, 30)),
            "status": order_status,
            "lines": [dict(line) for line in lines],
            "receiver": person.name,
            "receiver_phone": contact.values["mobile"],
            "shipping_address": customer.record.values["region"],
            "owner": UserRef(customer.owner),
        },
    )
