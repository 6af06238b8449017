"""The demo tenant that ``make run`` serves: people, departments and an app.

Idempotent: a second run finds everything in place and only makes sure the
example app is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from api.platform import Platform
from api.settings import REPO
from builder.apps import AppAlreadyInstalled, install_app, save_draft
from builder.demo_data import load_demo_data
from builder.publish import publish
from builder.validate import load_definition_file
from engine.accounts.departments import set_head
from engine.accounts.users import create_department, create_user, grant_role
from engine.definition import AppDefinition
from engine.store.tables import apps, users

DEMO_TENANT = "demo"
DEMO_PASSWORD = "demo"
EXAMPLE_APP = REPO / "templates" / "examples" / "mini_crm.json"
CRM_APP = REPO / "templates" / "crm" / "app.json"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    manager: str | None
    role: str | None


DEMO_USERS = (
    DemoUser("admin", "管理员 Admin", None, None),
    DemoUser("director1", "赵总监 Director Zhao", None, "sales_director"),
    DemoUser("manager1", "钱经理 Manager Qian", "director1", "sales_manager"),
    DemoUser("rep1", "孙销售 Rep Sun", "manager1", "sales_rep"),
    DemoUser("rep2", "李销售 Rep Li", "manager1", "sales_rep"),
    DemoUser("finance1", "周财务 Finance Zhou", "director1", "finance"),
)


def create_demo_users(platform: Platform, tenant: str, app_key: str = "mini_crm") -> None:
    with platform.store.write(tenant) as conn:
        if conn.scalar(select(users.c.id).where(users.c.username == "admin")) is not None:
            return
        sales = create_department(conn, "销售部 Sales")
        team = create_department(conn, "华东一组 East team 1", parent_id=sales)
        finance = create_department(conn, "财务部 Finance")
        departments = {"director1": sales, "finance1": finance}
        ids: dict[str, int] = {}
        for person in DEMO_USERS:
            user = create_user(
                conn,
                platform.passwords,
                person.username,
                DEMO_PASSWORD,
                person.display_name,
                is_admin=person.username == "admin",
                department_id=departments.get(person.username, team),
                manager_id=ids.get(person.manager or ""),
            )
            ids[person.username] = user.id
            if person.role:
                grant_role(conn, user.id, app_key, person.role)
        # So "head of my department" resolves: the team reports to manager1, Sales to director1.
        set_head(conn, sales, ids["director1"])
        set_head(conn, team, ids["manager1"])
        set_head(conn, finance, ids["finance1"])


def set_up_demo(
    platform: Platform,
    app_file: Path = EXAMPLE_APP,
    crm_file: Path | None = CRM_APP,
    crm_scale: float = 1.0,
) -> list[str]:
    """Create the demo tenant, its people, the example app and the CRM with its
    demo data (unless ``crm_file`` is None); return what was done."""
    done: list[str] = []
    store = platform.store
    store.migrate_all()
    if not store.tenant_exists(DEMO_TENANT):
        store.create_tenant(DEMO_TENANT, "Demo")
        done.append(f"created tenant {DEMO_TENANT!r}")
    create_demo_users(platform, DEMO_TENANT)
    done.extend(_install(platform, load_definition_file(app_file)))
    if crm_file is not None:
        done.extend(_install(platform, load_definition_file(crm_file), demo_scale=crm_scale))
    return done


def _install(
    platform: Platform, definition: AppDefinition, demo_scale: float | None = None
) -> list[str]:
    """Install an app (with its demo data, given a scale) or bring it up to date.

    The install and the demo data are one transaction: a half-loaded CRM is
    never served.
    """
    done: list[str] = []
    with platform.store.write(DEMO_TENANT) as conn:
        fresh = conn.scalar(select(apps.c.id).where(apps.c.key == definition.key)) is None
        try:
            install_app(conn, definition)
        except AppAlreadyInstalled:
            # The bundled app changed since this data dir was set up:
            # publish it as a new version, keeping the demo's records.
            save_draft(conn, definition.key, definition)
            published = publish(conn, definition.key, None, hooks=platform.hooks)
            done.append(f"app {definition.key!r} upgraded to {published.version}")
        if fresh and demo_scale is not None:
            runtime = platform.runtime(conn, DEMO_TENANT, definition.key)
            loaded = load_demo_data(
                conn,
                runtime,
                platform.passwords,
                hooks=platform.hooks,
                password=DEMO_PASSWORD,
                scale=demo_scale,
            )
            records = sum(loaded.counts.values())
            done.append(f"app {definition.key!r}: demo data loaded ({records} records)")
    done.append(f"app {definition.key!r} is installed")
    return done
