"""The field types that touch the database, through the HTTP API, on SQLite and PostgreSQL.

users, department, links, lookup, cascade, image/attachment limits, and a
round trip of every new plain type, with an app definition built here.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, func, select, update

from api.platform import Platform
from engine.accounts.users import create_department, create_user
from engine.definition import AppDefinition
from engine.forms.context import WriteContext
from engine.forms.field_types.abilities import References, ability
from engine.forms.field_types.cascade import prefix_condition
from engine.forms.runtime import AppRuntime, build_runtime
from engine.store.tables import users
from tests.conftest import login

BASE = "/api/apps/ftypes"
TREE = [
    {
        "value": "hardware",
        "children": [
            {"value": "phones", "children": [{"value": "android"}, {"value": "ios"}]},
            {"value": "laptops"},
        ],
    },
    {"value": "services"},
]
DEFINITION: dict[str, Any] = {
    "key": "ftypes",
    "version": "1.0.0",
    "entities": [
        {
            "key": "customer",
            "title_field": "name",
            "fields": [
                {"key": "name", "type": "text", "required": True},
                {"key": "credit", "type": "currency"},
                {"key": "since", "type": "date"},
                {"key": "category", "type": "cascade", "options": TREE, "require_leaf": False},
            ],
        },
        {
            "key": "product",
            "title_field": "name",
            "fields": [{"key": "name", "type": "text", "required": True}],
        },
        {
            "key": "visit",
            "title_field": "subject",
            "fields": [
                {"key": "subject", "type": "text"},
                {"key": "customer", "type": "link", "target": "customer", "on_delete": "set_null"},
                {"key": "customer_name", "type": "lookup", "link": "customer", "field": "name"},
                {"key": "customer_credit", "type": "lookup", "link": "customer", "field": "credit"},
                {"key": "customer_since", "type": "lookup", "link": "customer", "field": "since"},
                {
                    "key": "customer_category",
                    "type": "lookup",
                    "link": "customer",
                    "field": "category",
                },
                {"key": "products", "type": "links", "target": "product", "max_links": 3},
                {"key": "team", "type": "users"},
                {"key": "dept", "type": "department"},
                {"key": "category", "type": "cascade", "options": TREE},
                {"key": "starts", "type": "time"},
                {"key": "notes", "type": "richtext"},
                {"key": "website", "type": "url"},
                {"key": "id_card", "type": "id_number", "unique": True},
                {"key": "tags", "type": "tags"},
                {"key": "score", "type": "rating"},
                {"key": "place", "type": "location"},
                {"key": "signed", "type": "signature"},
                {"key": "photos", "type": "image", "max_files": 2, "max_size_mb": 0.001},
                {
                    "key": "contract",
                    "type": "attachment",
                    "max_files": 1,
                    "accept": ["application/pdf"],
                },
            ],
        },
    ],
}
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()


@pytest.fixture
def app(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/apps", json=DEFINITION, headers=auth)
    assert response.status_code == 201, response.text
    return "ftypes"


def create(client: TestClient, auth: dict[str, str], entity: str, **values: Any) -> Any:
    response = client.post(f"{BASE}/{entity}", json=values, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def user_ids(client: TestClient, auth: dict[str, str]) -> dict[str, int]:
    return {u["username"]: u["id"] for u in client.get("/api/users", headers=auth).json()}


def upload(client: TestClient, auth: dict[str, str], name: str, data: bytes, kind: str) -> str:
    response = client.post("/api/files", files={"file": (name, data, kind)}, headers=auth)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# -- plain types ------------------------------------------------------------------
def test_new_types_read_back_normalised(client: TestClient, auth: dict[str, str], app: str) -> None:
    sent = {
        "subject": "Kick-off",
        "category": ["hardware", "phones", "ios"],
        "starts": "09:30",
        "notes": '<p onclick="x()">Agenda<script>alert(1)</script></p>',
        "website": "https://example.com/a?b=1",
        "id_card": "11010519491231002x",
        "tags": [" north ", "key account"],
        "score": 4,
        "place": {"lat": 30.2741, "lng": 120.1551, "address": "杭州"},
        "signed": SIGNATURE,
    }
    created = create(client, auth, "visit", **sent)
    expected = {
        **sent,
        "starts": "09:30:00",
        "notes": "<p>Agenda</p>",
        "id_card": "11010519491231002X",
        "tags": ["north", "key account"],
    }
    assert {key: created[key] for key in sent} == expected
    fetched = client.get(f"{BASE}/visit/{created['id']}", headers=auth).json()
    # A read also says what the reader may do with the record.
    assert fetched.pop("_access") == {"update": True, "delete": True}
    assert fetched == created
    listed = client.get(f"{BASE}/visit", headers=auth).json()["items"][0]
    assert {key: listed[key] for key in sent} == expected
    patched = client.patch(
        f"{BASE}/visit/{created['id']}",
        json={"version": created["version"], "starts": "18:05:30", "score": None},
        headers=auth,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["starts"], patched.json()["score"]) == ("18:05:30", None)


def test_bad_values_are_all_named_in_one_answer(
    client: TestClient, auth: dict[str, str], app: str
) -> None:
    response = client.post(
        f"{BASE}/visit",
        json={
            "category": ["hardware"],
            "starts": "25:00",
            "notes": 12,
            "website": "javascript:alert(1)",
            "id_card": "110105194912310021",
            "tags": ["a", "A"],
            "score": 6,
            "place": {"lat": 91, "lng": 0},
            "signed": "data:image/png;base64,R0lGODlh",
            "team": "1",
            "dept": 0,
            "products": [1, 1],
            "photos": "x",
            "customer_name": "typed",
        },
        headers=auth,
    )
    errors = errors_of(response)
    assert set(errors) == {
        "category",
        "starts",
        "notes",
        "website",
        "id_card",
        "tags",
        "score",
        "place",
        "signed",
        "team",
        "dept",
        "products",
        "photos",
        "customer_name",
    }
    assert "last level" in errors["category"]
    assert "check digit" in errors["id_card"]
    assert "computed" in errors["customer_name"]


def test_id_numbers_are_unique_whatever_the_case_of_x(
    client: TestClient, auth: dict[str, str], app: str
) -> None:
    create(client, auth, "visit", id_card="11010519491231002X")
    response = client.post(f"{BASE}/visit", json={"id_card": "11010519491231002x"}, headers=auth)
    assert "must be unique" in errors_of(response)["id_card"]


# -- users and departments --------------------------------------------------------
def test_users_are_resolved_and_titled(
    client: TestClient, auth: dict[str, str], app: str, platform: Platform, tenant: str
) -> None:
    ids = user_ids(client, auth)
    visit = create(client, auth, "visit", team=[ids["rep"], ids["admin"]])
    assert visit["team"] == [ids["rep"], ids["admin"]]
    assert visit["_display"]["team"] == ["Rep", "Admin"]
    listed = client.get(f"{BASE}/visit", headers=auth).json()["items"][0]
    assert listed["_display"]["team"] == ["Rep", "Admin"]
    response = client.post(f"{BASE}/visit", json={"team": [ids["rep"], 999]}, headers=auth)
    assert errors_of(response) == {"team": "there is no active user with id 999"}
    with platform.store.write(tenant) as conn:
        conn.execute(update(users).where(users.c.id == ids["rep"]).values(is_active=False))
    response = client.post(f"{BASE}/visit", json={"team": [ids["rep"]]}, headers=auth)
    assert errors_of(response) == {"team": f"there is no active user with id {ids['rep']}"}


def test_departments_are_resolved_and_titled(
    client: TestClient, auth: dict[str, str], app: str, platform: Platform, tenant: str
) -> None:
    with platform.store.write(tenant) as conn:
        sales = create_department(conn, "Sales")
        east = create_department(conn, "Sales East", parent_id=sales)
    visit = create(client, auth, "visit", dept=east)
    assert (visit["dept"], visit["_display"]["dept"]) == (east, "Sales East")
    response = client.post(f"{BASE}/visit", json={"dept": east + 100}, headers=auth)
    assert errors_of(response) == {"dept": f"there is no department with id {east + 100}"}


# -- links --------------------------------------------------------------------------
def junction_rows(platform: Platform, tenant: str, runtime: AppRuntime) -> list[tuple[int, ...]]:
    table = runtime.entities["visit"].child_tables["products"]
    with platform.store.read(tenant) as conn:
        query = select(table.c.parent_id, table.c.target_id, table.c.position).order_by(
            table.c.parent_id, table.c.position
        )
        return [tuple(row) for row in conn.execute(query)]


@pytest.fixture
def runtime() -> AppRuntime:
    return build_runtime(AppDefinition.model_validate(DEFINITION))


def test_links_keep_order_titles_and_replace_on_write(
    client: TestClient,
    auth: dict[str, str],
    app: str,
    platform: Platform,
    tenant: str,
    runtime: AppRuntime,
) -> None:
    a, b, c = (create(client, auth, "product", name=n)["id"] for n in ("A", "B", "C"))
    visit = create(client, auth, "visit", subject="v", products=[c, a])
    assert visit["products"] == [c, a]
    assert visit["_display"]["products"] == ["C", "A"]
    assert junction_rows(platform, tenant, runtime) == [(visit["id"], c, 0), (visit["id"], a, 1)]
    response = client.patch(
        f"{BASE}/visit/{visit['id']}",
        json={"version": visit["version"], "products": [b]},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    assert response.json()["products"] == [b]
    assert junction_rows(platform, tenant, runtime) == [(visit["id"], b, 0)]
    history = client.get(f"{BASE}/visit/{visit['id']}/history", headers=auth).json()
    # The history names the new links by id ("from" of child rows: see records.update_record).
    assert {"field": "products", "to": [b]} in [
        {"field": c["field"], "to": c["to"]} for c in history[-1]["changes"]
    ]
    cleared = client.patch(
        f"{BASE}/visit/{visit['id']}",
        json={"version": visit["version"] + 1, "products": []},
        headers=auth,
    ).json()
    assert cleared["products"] == [] and "products" not in cleared["_display"]
    assert junction_rows(platform, tenant, runtime) == []


def test_links_refuse_unknown_deleted_and_too_many(
    client: TestClient, auth: dict[str, str], app: str
) -> None:
    a, b, c, d = (create(client, auth, "product", name=n)["id"] for n in "ABCD")
    response = client.post(f"{BASE}/visit", json={"products": [a, 999]}, headers=auth)
    assert errors_of(response) == {"products": "there is no product with id 999"}
    response = client.post(f"{BASE}/visit", json={"products": [a, b, c, d]}, headers=auth)
    assert errors_of(response) == {"products": "must have at most 3 records"}
    assert client.delete(f"{BASE}/product/{b}", headers=auth).status_code == 204
    response = client.post(f"{BASE}/visit", json={"products": [a, b]}, headers=auth)
    assert errors_of(response) == {"products": f"product #{b} is in the recycle bin"}


def test_purging_either_side_removes_the_links(
    client: TestClient,
    auth: dict[str, str],
    app: str,
    platform: Platform,
    tenant: str,
    runtime: AppRuntime,
) -> None:
    a, b = (create(client, auth, "product", name=n)["id"] for n in "AB")
    first = create(client, auth, "visit", products=[a, b])
    second = create(client, auth, "visit", products=[b])
    for path in (f"product/{b}", f"visit/{second['id']}"):
        assert client.delete(f"{BASE}/{path}", headers=auth).status_code == 204
    # In the recycle bin the links stay, so a restore brings them back.
    assert len(junction_rows(platform, tenant, runtime)) == 3
    for entity, record in (("product", b), ("visit", second["id"])):
        purged = client.delete(f"{BASE}/{entity}/deleted/{record}", headers=auth)
        assert purged.status_code == 204, purged.text
    assert junction_rows(platform, tenant, runtime) == [(first["id"], a, 0)]
    assert client.get(f"{BASE}/visit/{first['id']}", headers=auth).json()["products"] == [a]


def test_references_resolve_in_one_query_per_field(
    client: TestClient,
    auth: dict[str, str],
    app: str,
    platform: Platform,
    tenant: str,
    runtime: AppRuntime,
) -> None:
    ids = user_ids(client, auth)
    products = [create(client, auth, "product", name=f"P{i}")["id"] for i in range(3)]
    with platform.store.write(tenant) as conn:
        ctx = WriteContext(conn, runtime, "visit", ids["admin"], datetime.now(UTC))
        visit = runtime.entities["visit"]
        statements = count_statements(conn)
        team = ability(visit.fields["team"], References)
        values = [[ids["admin"]], [ids["rep"], ids["admin"]], [ids["rep"], 12345]]
        resolved = team.resolve(visit.fields["team"], values, ctx)
        assert statements() == 1
        assert resolved[:2] == values[:2]
        assert "12345" in str(resolved[2])
        links = ability(visit.fields["products"], References)
        rows = [[{"target_id": p}] for p in products]
        assert links.resolve(visit.fields["products"], rows, ctx) == rows
        assert statements() == 1


def count_statements(conn: Connection) -> Callable[[], int]:
    """A function telling how many statements ran on ``conn`` since it was last called."""
    executed: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda *args: executed.append(args[2]))

    def since_last_call() -> int:
        count = len(executed)
        executed.clear()
        return count

    return since_last_call


# -- lookup --------------------------------------------------------------------------
def test_lookup_follows_the_link_live(client: TestClient, auth: dict[str, str], app: str) -> None:
    customer = create(
        client,
        auth,
        "customer",
        name="Acme",
        credit=1500.5,
        since="2020-02-29",
        category=["hardware", "phones"],
    )
    visit = create(client, auth, "visit", subject="v", customer=customer["id"])
    assert {k: visit[k] for k in visit if k.startswith("customer_")} == {
        "customer_name": "Acme",
        "customer_credit": 1500.5,
        "customer_since": "2020-02-29",
        "customer_category": ["hardware", "phones"],
    }
    renamed = client.patch(
        f"{BASE}/customer/{customer['id']}",
        json={"version": customer["version"], "name": "Acme Group"},
        headers=auth,
    )
    assert renamed.status_code == 200, renamed.text
    listed = client.get(f"{BASE}/visit", headers=auth).json()["items"][0]
    assert listed["customer_name"] == "Acme Group"
    lonely = create(client, auth, "visit", subject="no customer")
    assert [lonely[k] for k in ("customer_name", "customer_credit", "customer_category")] == [
        None,
        None,
        None,
    ]


# -- cascade ---------------------------------------------------------------------------
def test_cascade_prefix_condition_on_the_database(
    client: TestClient,
    auth: dict[str, str],
    app: str,
    platform: Platform,
    tenant: str,
    runtime: AppRuntime,
) -> None:
    paths = [["hardware", "phones", "ios"], ["hardware", "laptops"], ["services"]]
    made = [create(client, auth, "visit", category=p)["id"] for p in paths]
    create(client, auth, "visit", subject="no category")
    table = runtime.entities["visit"].table
    with platform.store.read(tenant) as conn:

        def matching(prefix: list[str]) -> list[int]:
            query = select(table.c.id).where(prefix_condition(table.c.category, prefix))
            return sorted(conn.scalars(query))

        assert matching(["hardware"]) == made[:2]
        assert matching(["hardware", "phones"]) == made[:1]
        assert matching(["services"]) == made[2:]
        assert matching(["laptops"]) == []
    response = client.post(f"{BASE}/visit", json={"category": ["hardware", "tv"]}, headers=auth)
    assert errors_of(response) == {"category": "'tv' is not an option under hardware"}


# -- files -----------------------------------------------------------------------------
def test_image_and_attachment_limits(client: TestClient, auth: dict[str, str], app: str) -> None:
    small_png = upload(client, auth, "dot.png", PNG_1X1, "image/png")
    big_png = upload(client, auth, "big.png", PNG_1X1 + b"\x00" * 2000, "image/png")
    text = upload(client, auth, "notes.txt", b"hello", "text/plain")
    pdf = upload(client, auth, "deal.pdf", b"%PDF-1.4 tiny", "application/pdf")
    visit = create(client, auth, "visit", photos=[small_png], contract=[{"id": pdf}])
    assert [(f["name"], f["url"]) for f in visit["photos"]] == [
        ("dot.png", f"/api/files/{small_png}")
    ]
    assert visit["contract"][0]["content_type"] == "application/pdf"
    cases = [
        ({"photos": [big_png]}, "photos", "big.png is larger than 0.001 MB"),
        ({"photos": [text]}, "photos", "notes.txt is not an image (PNG, JPEG, GIF, WebP or BMP)"),
        ({"photos": [small_png, small_png]}, "photos", "must not list a file twice"),
        ({"photos": [small_png, pdf, text]}, "photos", "must have at most 2 files"),
        ({"contract": [text]}, "contract", "notes.txt is not an accepted type of file"),
        ({"contract": [pdf, text]}, "contract", "must have at most 1 files"),
        (
            {"contract": ["no-such-file"]},
            "contract",
            "there is no uploaded file with id no-such-file",
        ),
    ]
    for values, field, message in cases:
        response = client.post(f"{BASE}/visit", json=values, headers=auth)
        assert errors_of(response) == {field: message}, values


def test_files_of_another_tenant_are_not_found(
    client: TestClient, auth: dict[str, str], app: str, platform: Platform
) -> None:
    other = f"other_{secrets.token_hex(3)}"
    platform.store.create_tenant(other, other)
    try:
        with platform.store.write(other) as conn:
            create_user(conn, platform.passwords, "admin", "pw", "Other admin", is_admin=True)
        foreign = upload(client, login(client, other), "theirs.png", PNG_1X1, "image/png")
        response = client.post(f"{BASE}/visit", json={"photos": [foreign]}, headers=auth)
        assert errors_of(response) == {"photos": f"there is no uploaded file with id {foreign}"}
    finally:
        platform.store.drop_tenant(other)


def test_nothing_is_written_when_a_reference_fails(
    client: TestClient,
    auth: dict[str, str],
    app: str,
    platform: Platform,
    tenant: str,
    runtime: AppRuntime,
) -> None:
    product = create(client, auth, "product", name="A")["id"]
    response = client.post(
        f"{BASE}/visit/bulk",
        json=[{"products": [product]}, {"products": [product], "team": [999]}],
        headers={**auth, "Idempotency-Key": secrets.token_hex(8)},
    )
    assert errors_of(response) == {"[1].team": "there is no active user with id 999"}
    with platform.store.read(tenant) as conn:
        visits = conn.scalar(select(func.count()).select_from(runtime.entities["visit"].table))
    assert visits == 0
    assert junction_rows(platform, tenant, runtime) == []
