"""Service tickets, sales targets and to-dos."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from builder.demo_data.crm.catalogue import money
from builder.demo_data.crm.organisation import TEAMS
from builder.demo_data.crm.story import TZ, Story, weighted
from builder.demo_data.crm.words import TICKET_PROBLEMS, TOPICS
from builder.demo_data.plan import DepartmentRef, Record, UserRef


def tickets(story: Story) -> None:
    """Service tickets of customers with signed contracts."""
    rng = story.rng
    signed = [c for c in story.contracts if c[2] is not None]
    for _ in range(round(len(signed) * 0.8)):
        contract, customer, signed_on, _status = rng.choice(signed)
        assert signed_on is not None
        day = story.day_between(signed_on + timedelta(days=7), story.last_day)
        category = weighted(
            rng,
            (
                ("installation", 20),
                ("fault", 40),
                ("consultation", 25),
                ("complaint", 5),
                ("return", 10),
            ),
        )
        problem = rng.choice(TICKET_PROBLEMS[category])
        age = (story.last_day - day).days
        if age > 14:
            status = weighted(rng, (("closed", 70), ("resolved", 25), ("waiting", 5)))
        else:
            status = rng.choice(("open", "in_progress", "waiting", "resolved"))
        reported = story.moment(day)
        done = status in ("resolved", "closed")
        hardware = [
            line["product"]
            for line in contract.values["lines"]
            if line["product"].values["code"].startswith("HW")
        ]
        contact = rng.choice(customer.contacts)[0]
        story.add(
            "ticket",
            reported,
            {
                "subject": problem,
                "customer": customer.record,
                "contact": contact,
                "contract": contract,
                "product": rng.choice(hardware) if hardware else None,
                "category": category,
                "priority": weighted(
                    rng, (("low", 20), ("normal", 50), ("high", 25), ("urgent", 5))
                ),
                "status": status,
                "description": f"<p>客户反馈：{problem}。</p>",
                "reported_at": reported,
                "due_at": reported + timedelta(days=rng.choice((1, 3, 7))),
                "assignee": UserRef(customer.owner),
                "resolved_at": reported + timedelta(days=rng.randint(1, 10)) if done else None,
                "resolution": "已远程/现场处理，设备恢复正常，客户确认。" if done else None,
                "satisfaction": rng.choices((5, 4, 3, 2), (50, 35, 10, 5))[0]
                if status == "closed"
                else None,
                "owner": UserRef(customer.owner),
            },
        )


def targets(story: Story) -> None:
    """Monthly targets per rep and quarterly targets per team."""
    rng = story.rng
    months = 18 if story.scale >= 1 else max(2, round(18 * story.scale))
    first_of_month = story.today.replace(day=1)
    periods = []
    year, month = first_of_month.year, first_of_month.month
    for _ in range(months):
        periods.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    periods.reverse()
    quarters: dict[tuple[int, int], None] = {}
    for year, month in periods:
        start = date(year, month, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        at = story.moment(min(max(start - timedelta(days=5), story.first_day), story.last_day))
        for team in TEAMS:
            for rep in team.reps:
                amount = Decimal(rng.randint(15, 40) * 10000)
                story.add(
                    "sales_target",
                    at,
                    {
                        "title": f"{year}年{month}月个人目标",
                        "target_type": "rep",
                        "owner": UserRef(rep),
                        "period_type": "month",
                        "year": year,
                        "month": month,
                        "period_start": start,
                        "period_end": end,
                        "contract_target": amount,
                        "payment_target": money(amount * Decimal("0.85")),
                        "new_customer_target": rng.randint(2, 6),
                    },
                )
        quarters[(year, (month - 1) // 3 + 1)] = None
    for year, quarter in quarters:
        start = date(year, 3 * quarter - 2, 1)
        end = (date(year, 3 * quarter, 1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        at = story.moment(min(max(start - timedelta(days=7), story.first_day), story.last_day))
        for team in TEAMS:
            amount = Decimal(rng.randint(25, 40) * 100000)
            story.add(
                "sales_target",
                at,
                {
                    "title": f"{year}年第{quarter}季度{team.name.split()[0]}团队目标",
                    "target_type": "team",
                    "owner": UserRef(team.manager),
                    "team": DepartmentRef(team.key),
                    "period_type": "quarter",
                    "year": year,
                    "quarter": quarter,
                    "period_start": start,
                    "period_end": end,
                    "contract_target": amount,
                    "payment_target": money(amount * Decimal("0.85")),
                    "new_customer_target": rng.randint(10, 25),
                },
            )


def todos(story: Story) -> None:
    """To-dos: follow up open deals, chase overdue payments, push approvals."""
    rng = story.rng
    for deal in story.deals:
        if deal.closed is not None or rng.random() > 0.35:
            continue
        due_day = story.today + timedelta(days=rng.randint(-20, 20))
        add_todo(
            story,
            f"跟进{deal.record.values['name']}：{rng.choice(TOPICS)}",
            deal.customer.owner,
            due_day,
            {"opportunity": deal.record, "customer": deal.customer.record},
        )
    for plan, contract, owner, due in story.overdue_plans:
        if rng.random() > 0.5:
            continue
        add_todo(
            story,
            f"催收回款：{contract.values['title']} 第{plan.values['instalment']}期",
            owner,
            story.later(due, 7, 14) if due + timedelta(days=7) <= story.last_day else due,
            {"contract": contract, "customer": contract.values["customer"]},
        )
    for contract, customer, _signed, status in story.contracts:
        if status == "in_approval":
            add_todo(
                story,
                f"跟进合同审批：{contract.values['title']}",
                customer.owner,
                story.today + timedelta(days=rng.randint(1, 5)),
                {"contract": contract, "customer": customer.record},
            )


def add_todo(story: Story, title: str, assignee: str, due: date, links: dict[str, Record]) -> None:
    rng = story.rng
    created = min(due - timedelta(days=rng.randint(1, 7)), story.last_day)
    past = due < story.today
    status = (
        rng.choices(("done", "open"), (75, 25))[0]
        if past
        else rng.choice(("open", "open", "in_progress"))
    )
    due_at = datetime.combine(due, time(18, 0), TZ)
    story.add(
        "todo",
        story.moment(created),
        {
            "title": title,
            "assignee": UserRef(assignee),
            "due_at": due_at,
            "remind_at": due_at - timedelta(hours=rng.choice((1, 2, 24))),
            "priority": rng.choice(("normal", "normal", "high", "low")),
            "status": status,
            "done_at": due_at - timedelta(hours=rng.randint(1, 30)) if status == "done" else None,
            **links,
        },
    )
