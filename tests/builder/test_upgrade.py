"""Upgrading a customised tenant to a new template version, on SQLite and PostgreSQL:
the customisations and the data survive, the vendor's changes arrive, and a
customisation the new version cannot take stops the upgrade with nothing changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.platform import Platform
from builder.apps import install_app, save_draft
from builder.archive import archives_of
from builder.operations import PlanRefused
from builder.overlay import Overlay, OverlayError, TemplateRef, diff_to_overlay, parse_overlay
from builder.publish import publish
from builder.sources import app_source
from builder.templates import load_template
from builder.upgrade import (
    UpgradeConflicts,
    UpgradeRefused,
    customise,
    has_draft,
    plan_upgrade,
    upgrade,
)
from builder.validate import load_definition
from engine.definition import AppDefinition
from engine.definition.versions import published_app
from engine.forms.context import ReadContext, WriteContext
from engine.forms.records import ListQuery, create_records, list_records
from engine.store.tables import audit_log
from tests.builder.shop import (
    SHOP,
    SHOP_1_1,
    TENANT_EDITS,
    Edit,
    Json,
    edited,
    entity,
    field,
    form,
    relabel_phone,
    remove_phone,
    view,
)

REPO = Path(__file__).resolve().parents[2]
CRM = REPO / "templates" / "crm" / "app.json"
CRM_1_1_0 = Path(__file__).resolve().parent / "data" / "crm_1_1_0_changes.json"


class Tenant:
    """One tenant's installed app, customised the way a tenant does it: draft, then publish."""

    def __init__(self, platform: Platform, tenant: str, data: Json = SHOP) -> None:
        self.platform, self.tenant = platform, tenant
        self.base = load_definition(data)
        self.app = self.base.key
        with platform.store.write(tenant) as conn:
            install_app(conn, self.base)

    def published(self) -> Json:
        with self.platform.store.read(self.tenant) as conn:
            return published_app(conn, self.app).definition

    def customise(self, *edits: Edit) -> None:
        with self.platform.store.write(self.tenant) as conn:
            current = published_app(conn, self.app).definition
            save_draft(conn, self.app, load_definition(edited(*edits, data=current)))
            publish(conn, self.app, None)

    def add(self, entity_key: str, rows: list[Json]) -> list[int]:
        with self.platform.store.write(self.tenant) as conn:
            runtime = self.platform.runtime(conn, self.tenant, self.app)
            ctx = WriteContext(conn, runtime, entity_key, None, datetime.now(UTC))
            return create_records(ctx, runtime.entities[entity_key], rows)

    def records(self, entity_key: str) -> dict[int, Json]:
        with self.platform.store.read(self.tenant) as conn:
            runtime = self.platform.runtime(conn, self.tenant, self.app)
            ctx = ReadContext(conn, runtime, entity_key)
            page = list_records(ctx, runtime.entities[entity_key], ListQuery(page_size=500))
            return {item["id"]: item for item in page["items"]}

    def upgrade(self, template: AppDefinition, **kwargs: Any) -> Any:
        with self.platform.store.write(self.tenant) as conn:
            return upgrade(conn, self.app, template, None, **kwargs)

    def plan(self, template: AppDefinition, **kwargs: Any) -> Any:
        with self.platform.store.read(self.tenant) as conn:
            return plan_upgrade(conn, self.app, template, **kwargs)


def stage_values(definition: Json) -> list[str]:
    return [o["value"] for o in field(definition, "deal", "stage")["options"]]


@pytest.fixture
def shop(platform: Platform, tenant: str) -> Tenant:
    """The shop template installed, customised (a field, a stage, a label, a hidden
    field) and holding records that use the customisations."""
    shop = Tenant(platform, tenant)
    shop.customise(*TENANT_EDITS)
    shop.add(
        "customer",
        [
            {"name": "Ann", "phone": "138", "fax": "010-1", "wechat": "ann_w", "level": "a"},
            {"name": "Bob", "phone": "139", "fax": "010-2", "wechat": "bob_w"},
        ],
    )
    shop.add("deal", [{"title": "Pilot deal", "stage": "pilot", "amount": 12.5}])
    return shop


def test_the_upgrade_plan_shows_everything_before_anything_changes(shop: Tenant) -> None:
    report = shop.plan(load_definition(SHOP_1_1))
    assert report.ready
    assert [c.ref for c in report.template_changes] == [
        "add_field:customer.email",
        "add_option:deal.stage=negotiation",
        "place_field:customer.email@form:customer.default#1",
    ]
    assert {o.ref: o.status for o in report.applied.outcomes} == {
        "relabel:customer.phone": "applied",
        "add_field:customer.wechat": "applied",
        "add_option:deal.stage=pilot": "applied",
        "hide_field:customer.fax": "applied",
        "place_field:customer.wechat@form:customer.default#1": "applied",
        "place_field:customer.wechat@view:customer.all": "applied",
    }
    assert report.plan is not None
    assert [op.kind for op in report.plan.operations] == [
        "add_field",
        "change_field",
        "change_definition",
    ]
    assert (report.plan.from_version, report.plan.to_version) == ("1.0.1", "1.1.0")
    text = "\n".join(report.lines())
    assert "Upgrade shop: template shop 1.0.0 → 1.1.0" in text
    assert "add the email field customer.email" in text
    assert json.dumps(report.to_json())  # the API answers it as is
    # Planning changed nothing.
    assert shop.published()["version"] == "1.0.1"


def test_an_upgrade_keeps_customisations_and_data_and_brings_the_new_version(
    shop: Tenant,
) -> None:
    before = shop.records("customer")
    done = shop.upgrade(load_definition(SHOP_1_1))
    assert done.published is not None and done.published.version == "1.1.0"

    now = shop.published()
    assert now["version"] == "1.1.0"
    # The tenant's customisations survived ...
    assert field(now, "customer", "wechat")["type"] == "text"
    assert field(now, "customer", "phone")["label"] == {"en": "Mobile"}
    assert "fax" not in view(now, "customer", "all")["columns"]
    assert all("fax" not in s["fields"] for s in form(now, "customer")["layout"])
    assert field(now, "customer", "fax")["type"] == "text"  # hidden, not removed
    # ... next to the vendor's new field and stage.
    assert field(now, "customer", "email")["type"] == "email"
    assert form(now, "customer")["layout"][1]["fields"] == ["wechat", "phone", "note", "email"]
    assert stage_values(now) == ["new", "pilot", "negotiation", "won", "lost"]

    # Not a value was lost, and the new field and stage take data.
    after = shop.records("customer")
    for record_id, record in before.items():
        for key in ("name", "phone", "fax", "wechat", "level"):
            assert after[record_id][key] == record[key]
    assert [d["stage"] for d in shop.records("deal").values()] == ["pilot"]
    shop.add("deal", [{"title": "Late", "stage": "negotiation"}])
    shop.add("customer", [{"name": "Cy", "email": "cy@example.com", "wechat": "cy_w"}])

    with shop.platform.store.read(shop.tenant) as conn:
        source = app_source(conn, "shop")
        entry = conn.execute(
            select(audit_log.c.before, audit_log.c.after).where(audit_log.c.action == "app.upgrade")
        ).one()
    assert source.stored and source.ref == TemplateRef(key="shop", version="1.1.0")
    assert len(source.overlay.changes) == 6
    assert entry.before["template_version"] == "1.0.0"
    assert entry.after["template_version"] == "1.1.0"


def test_a_field_the_new_version_removes_but_the_tenant_customised_stops_the_upgrade(
    shop: Tenant,
) -> None:
    removing = load_definition(edited(remove_phone, data=SHOP_1_1))
    report = shop.plan(removing)
    assert not report.ready and report.plan is None
    assert [(c.ref, c.code) for c in report.applied.conflicts] == [
        ("relabel:customer.phone", "missing_target")
    ]
    assert "Conflicts (1)" in "\n".join(report.lines())

    with pytest.raises(UpgradeConflicts) as err:
        shop.upgrade(removing)
    assert err.value.report.applied.conflicts[0].ref == "relabel:customer.phone"
    # Nothing changed: version, source, data.
    assert shop.published()["version"] == "1.0.1"
    with shop.platform.store.read(shop.tenant) as conn:
        assert not app_source(conn, "shop").stored
    assert {r["phone"] for r in shop.records("customer").values()} == {"138", "139"}

    # Dropping the customisation resolves it; the column is archived, not dropped.
    shop.upgrade(removing, resolutions={"relabel:customer.phone": "drop"})
    assert "phone" not in {f["key"] for f in entity(shop.published(), "customer")["fields"]}
    with shop.platform.store.read(shop.tenant) as conn:
        assert [a.field for a in archives_of(conn, "shop")] == ["phone"]
        assert app_source(conn, "shop").ref.version == "1.1.0"


def test_a_label_both_changed_is_kept_only_when_asked(shop: Tenant) -> None:
    def vendor_label(data: Json) -> None:
        field(data, "customer", "phone")["label"] = {"en": "Telephone"}

    template = load_definition(edited(vendor_label, data=SHOP_1_1))
    with pytest.raises(UpgradeConflicts):
        shop.upgrade(template)
    shop.upgrade(template, resolutions={"relabel:customer.phone": "keep"})
    assert field(shop.published(), "customer", "phone")["label"] == {"en": "Mobile"}


def test_an_upgrade_the_data_does_not_allow_changes_nothing(shop: Tenant) -> None:
    def unique_names(data: Json) -> None:
        field(data, "customer", "name")["unique"] = True

    shop.add("customer", [{"name": "Ann"}])
    template = load_definition(edited(unique_names, data=SHOP_1_1))
    assert shop.plan(template).blocking
    with pytest.raises(PlanRefused):
        shop.upgrade(template)
    assert shop.published()["version"] == "1.0.1"


def test_what_cannot_be_upgraded_is_refused(shop: Tenant) -> None:
    with pytest.raises(UpgradeRefused, match="not a newer version"):
        shop.plan(load_definition(SHOP))
    with pytest.raises(UpgradeRefused, match="based on the template 'shop'"):
        shop.plan(load_definition({**SHOP_1_1, "key": "store"}))
    with shop.platform.store.write(shop.tenant) as conn:
        draft = edited(relabel_phone, data=shop.published())
        save_draft(conn, "shop", load_definition(draft))
    report = shop.plan(load_definition(SHOP_1_1))
    assert report.refusals and not report.ready
    with pytest.raises(UpgradeRefused, match="unpublished draft"):
        shop.upgrade(load_definition(SHOP_1_1))
    shop.upgrade(load_definition(SHOP_1_1), discard_draft=True)
    with shop.platform.store.read(shop.tenant) as conn:
        assert not has_draft(conn, "shop")
    assert shop.published()["version"] == "1.1.0"


def test_an_app_nobody_customised_upgrades_to_exactly_the_template(
    platform: Platform, tenant: str
) -> None:
    plain = Tenant(platform, tenant)
    done = plain.upgrade(load_definition(SHOP_1_1))
    assert done.published is not None
    now = load_definition(plain.published())
    assert diff_to_overlay(load_definition(SHOP_1_1), now).empty


def test_customise_applies_an_overlay_and_keeps_it(platform: Platform, tenant: str) -> None:
    plain = Tenant(platform, tenant)
    overlay = diff_to_overlay(plain.base, load_definition(edited(*TENANT_EDITS)))
    with platform.store.write(tenant) as conn:
        published = customise(conn, "shop", parse_overlay(overlay.to_json()), None)
    assert published is not None and published.version == "1.0.1"
    assert stage_values(plain.published()) == ["new", "pilot", "won", "lost"]
    with platform.store.read(tenant) as conn:
        assert app_source(conn, "shop").overlay == overlay
    wrong = Overlay(base=TemplateRef(key="shop", version="0.9.0"))
    with (
        pytest.raises(OverlayError, match=r"based on shop 1\.0\.0"),
        platform.store.write(tenant) as conn,
    ):
        customise(conn, "shop", wrong, None)


# -- the CRM template and its 1.1.0 change set ------------------------------------------------
def _crm_customisations(data: Json) -> None:
    entity(data, "lead")["fields"].insert(
        3, {"key": "wechat", "type": "text", "label": {"zh-CN": "微信", "en": "WeChat"}}
    )
    stage = field(data, "opportunity", "stage")
    stage["options"].insert(2, {"value": "pilot", "label": {"en": "Pilot"}, "probability": 0.4})
    field(data, "lead", "company")["label"] = {"zh-CN": "公司全称", "en": "Company name"}
    for f in data["forms"]:
        for section in f["layout"]:
            if f["entity"] == "lead" and "job_title" in section["fields"]:
                section["fields"].remove("job_title")
    for v in data["views"]:
        shown = v.get("columns", v.get("card_fields", []))
        if v["entity"] == "lead" and "job_title" in shown:
            shown.remove("job_title")


def _first_option(definition: Json, entity_key: str, key: str) -> str:
    return str(field(definition, entity_key, key)["options"][0]["value"])


def test_the_crm_template_upgrades_a_customised_tenant_with_its_1_1_0_change_set(
    platform: Platform, tenant: str
) -> None:
    if not CRM.is_file():
        pytest.fail("templates/crm/app.json is missing")
    raw = json.loads(CRM.read_text(encoding="utf-8"))
    crm = Tenant(platform, tenant, raw)
    crm.customise(_crm_customisations)
    [lead] = crm.add(
        "lead",
        [
            {
                "company": "华东机械",
                "contact_name": "王伟",
                "wechat": "wangwei88",
                "job_title": "采购经理",
                "source": _first_option(raw, "lead", "source"),
                "status": _first_option(raw, "lead", "status"),
            }
        ],
    )
    [customer] = crm.add("customer", [{"name": "华东机械"}])
    crm.add("opportunity", [{"name": "一期", "customer": customer, "stage": "pilot"}])

    template = load_template(
        CRM_1_1_0.read_text(encoding="utf-8"),
        lambda ref: crm.base if ref == TemplateRef(key="crm", version="1.0.0") else None,
    )
    assert template.version == "1.1.0"
    report = crm.plan(template)
    assert report.ready, report.lines()
    crm.upgrade(template)

    now = crm.published()
    assert now["version"] == "1.1.0"
    assert field(now, "lead", "website")["type"] == "url"
    assert field(now, "lead", "wechat")["type"] == "text"
    assert field(now, "lead", "company")["label"]["en"] == "Company name"
    stages = [o["value"] for o in field(now, "opportunity", "stage")["options"]]
    assert stages[:3] == ["initial", "needs", "pilot"]
    assert stages.index("contract_review") == stages.index("negotiation") + 1
    assert "job_title" not in form(now, "lead")["layout"][0]["fields"]
    assert "website" in form(now, "lead")["layout"][0]["fields"]
    record = crm.records("lead")[lead]
    assert (record["wechat"], record["job_title"]) == ("wangwei88", "采购经理")
    assert [o["stage"] for o in crm.records("opportunity").values()] == ["pilot"]
    crm.add("opportunity", [{"name": "二期", "customer": customer, "stage": "contract_review"}])
