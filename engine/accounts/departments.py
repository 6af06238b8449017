"""The department tree and the reporting line: who is above and below whom.

Record scopes need a department's subtree ("department and below"); later
engines route approvals to "my manager" or "the head of my department". Both
hierarchies are parent pointers (``departments.parent_id``,
``users.manager_id``) walked with one recursive CTE each, written so that the
same SQL runs on SQLite and PostgreSQL. Bad data must not hang a request: the
subtree uses ``UNION`` (a department met twice is not walked again), and the
upward walks stop after ``MAX_DEPTH`` steps and at the first repeat.
"""

from __future__ import annotations

from sqlalchemy import Connection, Integer, Select, Table, literal_column, select, update

from engine.store.tables import departments, users

#: No organisation is this deep; a longer walk can only be a cycle in the data.
MAX_DEPTH = 32


class DepartmentCycle(ValueError):
    """Moving a department under itself or one of its own sub-departments."""


def descendants_query(department_id: int) -> Select[tuple[int]]:
    """The ids of the department and of every department below it, as a subquery.

    Meant to be embedded (``column.in_(descendants_query(d))``): record scopes
    compile to it, so the subtree is resolved by the database in the same
    statement as the records.
    """
    tree = (
        select(departments.c.id)
        .where(departments.c.id == department_id)
        .cte("department_tree", recursive=True)
    )
    tree = tree.union(select(departments.c.id).where(departments.c.parent_id == tree.c.id))
    return select(tree.c.id)


def descendants(conn: Connection, department_id: int) -> list[int]:
    """The department itself and every department below it, ids ascending."""
    return sorted(conn.scalars(descendants_query(department_id)))


def children(conn: Connection, department_id: int) -> list[int]:
    """The departments directly below this one, ids ascending."""
    query = select(departments.c.id).where(departments.c.parent_id == department_id)
    return list(conn.scalars(query.order_by(departments.c.id)))


def _upward(table: Table, parent_column: str, start_id: int) -> Select[tuple[int, int]]:
    """(id, depth) from ``start_id`` up the parent pointers, at most ``MAX_DEPTH`` steps.

    ``UNION ALL`` with a depth bound rather than ``UNION``: the depth makes
    every row distinct, so only the bound stops a cycle; callers cut the
    result at the first repeat.
    """
    parent = table.c[parent_column]
    walk = (
        # A literal, not a bound parameter: PostgreSQL must see an integer here.
        select(table.c.id.label("id"), literal_column("0", Integer).label("depth"))
        .where(table.c.id == start_id)
        .cte(f"{table.name}_up", recursive=True)
    )
    step = (
        select(parent.label("id"), (walk.c.depth + 1).label("depth"))
        .select_from(table.join(walk, table.c.id == walk.c.id))
        .where(parent.is_not(None), walk.c.depth < MAX_DEPTH)
    )
    walk = walk.union_all(step)
    return select(walk.c.id, walk.c.depth).order_by(walk.c.depth)


def _until_repeat(ids: list[int]) -> list[int]:
    seen: set[int] = set()
    kept: list[int] = []
    for item in ids:
        if item in seen:
            break
        seen.add(item)
        kept.append(item)
    return kept


def ancestors(conn: Connection, department_id: int) -> list[int]:
    """The department, its parent, its parent's parent… up to the root, nearest first."""
    rows = conn.execute(_upward(departments, "parent_id", department_id)).all()
    return _until_repeat([row.id for row in rows])


def move_department(conn: Connection, department_id: int, parent_id: int | None) -> None:
    """Put a department under another (or at the top with ``None``); refuses cycles."""
    if parent_id is not None and parent_id in descendants(conn, department_id):
        raise DepartmentCycle(
            f"department {parent_id} is department {department_id} or below it: "
            "a department cannot be moved under itself"
        )
    conn.execute(
        update(departments).where(departments.c.id == department_id).values(parent_id=parent_id)
    )


def set_head(conn: Connection, department_id: int, user_id: int | None) -> None:
    """Make a user the head of a department (``None``: the department has no head)."""
    conn.execute(
        update(departments).where(departments.c.id == department_id).values(head_id=user_id)
    )


def _active(conn: Connection, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    query = select(users.c.id).where(users.c.id.in_(user_ids), users.c.is_active)
    return set(conn.scalars(query))


def head_of(conn: Connection, department_id: int, *, exclude: int | None = None) -> int | None:
    """The head of a department: its own, else the nearest one above it.

    A department without a head (or whose head left) reports to the head of
    the department above; ``exclude`` skips a person, so that the head of a
    team asking for "the head of my department" reaches the level above.
    """
    chain = ancestors(conn, department_id)
    rows = conn.execute(
        select(departments.c.id, departments.c.head_id).where(
            departments.c.id.in_(chain), departments.c.head_id.is_not(None)
        )
    )
    heads: dict[int, int] = {row.id: row.head_id for row in rows}
    active = _active(conn, list(heads.values()))
    for department in chain:
        head = heads.get(department)
        if head is not None and head in active and head != exclude:
            return head
    return None


def department_head_for(conn: Connection, user_id: int) -> int | None:
    """ "The head of my department" for a user: never the user themself."""
    department_id = conn.scalar(select(users.c.department_id).where(users.c.id == user_id))
    if department_id is None:
        return None
    return head_of(conn, department_id, exclude=user_id)


def manager_chain(conn: Connection, user_id: int) -> list[int]:
    """The user's manager, that manager's manager… nearest first.

    People who are no longer active are skipped (their work goes to the next
    one up); the walk is bounded by ``MAX_DEPTH`` and stops at a cycle.
    """
    rows = conn.execute(_upward(users, "manager_id", user_id)).all()
    chain = _until_repeat([row.id for row in rows])[1:]
    active = _active(conn, chain)
    return [person for person in chain if person in active]


def manager_of(conn: Connection, user_id: int) -> int | None:
    """The user's nearest active manager, if any."""
    chain = manager_chain(conn, user_id)
    return chain[0] if chain else None


__all__ = [
    "MAX_DEPTH",
    "DepartmentCycle",
    "ancestors",
    "children",
    "department_head_for",
    "descendants",
    "descendants_query",
    "head_of",
    "manager_chain",
    "manager_of",
    "move_department",
    "set_head",
]
