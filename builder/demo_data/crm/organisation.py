"""The demo sales organisation: a director, three teams by sales area, finance."""

from __future__ import annotations

from dataclasses import dataclass

from builder.demo_data.names import NameMaker
from builder.demo_data.people import DepartmentSpec, Organisation, UserSpec


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    areas: tuple[str, ...]
    manager: str
    reps: tuple[str, ...]


TEAMS = (
    Team(
        "east",
        "华东一组 East team 1",
        ("east", "central"),
        "manager1",
        tuple(f"rep{i}" for i in range(1, 7)),
    ),
    Team(
        "south",
        "华南一组 South team 1",
        ("south", "southwest"),
        "manager2",
        tuple(f"rep{i}" for i in range(7, 12)),
    ),
    Team(
        "north",
        "华北一组 North team 1",
        ("north", "northwest", "northeast"),
        "manager3",
        tuple(f"rep{i}" for i in range(12, 17)),
    ),
)
TEAM_OF_AREA = {area: team for team in TEAMS for area in team.areas}
TEAM_OF_REP = {rep: team for team in TEAMS for rep in team.reps}
FINANCE = ("finance1", "finance2")


def organisation(names: NameMaker) -> Organisation:
    """Sales (a director, three teams of five or six reps with a manager each),
    finance (two people) and a sales-operations administrator: 23 people."""
    departments = [
        DepartmentSpec("sales", "销售部 Sales", None, "director1"),
        *(DepartmentSpec(t.key, t.name, "sales", t.manager) for t in TEAMS),
        DepartmentSpec("finance", "财务部 Finance", None, "finance1"),
    ]

    def spec(username: str, department: str, manager: str | None, role: str) -> UserSpec:
        person = names.person()
        return UserSpec(
            username,
            person.name,
            f"{person.pinyin}@example.com",
            department,
            manager,
            (role,),
        )

    people = [
        spec("director1", "sales", None, "sales_director"),
        spec("ops1", "sales", "director1", "admin"),
    ]
    for team in TEAMS:
        people.append(spec(team.manager, team.key, "director1", "sales_manager"))
        people.extend(spec(rep, team.key, team.manager, "sales_rep") for rep in team.reps)
    people.append(spec("finance1", "finance", "director1", "finance"))
    people.append(spec("finance2", "finance", "finance1", "finance"))
    return Organisation(tuple(departments), tuple(people))
