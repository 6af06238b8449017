"""Overlays, pure: deriving them from customised definitions, and re-applying them
on later template versions, with every conflict named instead of guessed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from builder.apps import definition_json
from builder.overlay import (
    Applied,
    Overlay,
    OverlayError,
    Resolution,
    apply_overlay,
    change_kinds,
    diff_to_overlay,
    parse_overlay,
)
from builder.validate import load_definition
from engine.definition import AppDefinition
from tests.builder.shop import (
    SHOP,
    TENANT_EDITS,
    Edit,
    Json,
    add_email,
    add_negotiation_stage,
    add_pilot_stage,
    add_wechat,
    edited,
    entity,
    field,
    form,
    hide_fax,
    relabel_phone,
    remove_phone,
    version,
    view,
)

CRM = Path(__file__).resolve().parents[2] / "templates" / "crm" / "app.json"


def derive(*edits: Edit, base: Json = SHOP) -> Overlay:
    return diff_to_overlay(load_definition(base), load_definition(edited(*edits, data=base)))


def reapply(
    overlay: Overlay, *template_edits: Edit, resolutions: Mapping[str, Resolution] | None = None
) -> Applied:
    return apply_overlay(load_definition(edited(*template_edits)), overlay, resolutions)


def content(definition: AppDefinition | Json) -> Json:
    data = definition_json(definition) if isinstance(definition, AppDefinition) else definition
    return {k: v for k, v in data.items() if k not in ("key", "version")}


def statuses(applied: Applied) -> dict[str, str]:
    return {o.ref: o.status for o in applied.outcomes}


def conflict_codes(applied: Applied) -> dict[str | None, str]:
    return {c.ref: c.code for c in applied.conflicts}


# -- one edit per kind: derived, re-applied, and carried as JSON ---------------------------------
def _supplier(data: Json) -> None:
    data["entities"].append(
        {"key": "supplier", "fields": [{"key": "name", "type": "text", "required": True}]}
    )


def _drop_deal(data: Json) -> None:
    data["entities"] = [e for e in data["entities"] if e["key"] != "deal"]
    data["forms"] = [f for f in data["forms"] if f["entity"] != "deal"]
    data["views"] = [v for v in data["views"] if v["entity"] != "deal"]
    data["actions"] = []
    del data["roles"][0]["permissions"]["deal"]


def _drop_note(data: Json) -> None:
    entity(data, "customer")["fields"].pop()
    form(data, "customer")["layout"][1]["fields"].remove("note")


def _swap_name_level(data: Json) -> None:
    fields = entity(data, "customer")["fields"]
    fields[0], fields[1] = fields[1], fields[0]


def _phone_required(data: Json) -> None:
    field(data, "customer", "phone")["required"] = True


def _note_in_table(data: Json) -> None:
    view(data, "customer", "all")["columns"].append("note")


def _vip_section(data: Json) -> None:
    entity(data, "customer")["fields"].append({"key": "vip", "type": "boolean"})
    form(data, "customer")["layout"].append({"section": {"en": "VIP"}, "fields": ["vip"]})


def _quick_form(data: Json) -> None:
    data["forms"].append({"entity": "customer", "key": "quick", "layout": [{"fields": ["name"]}]})


def _three_columns(data: Json) -> None:
    form(data, "customer")["layout"][1]["columns"] = 3


def _drop_deal_form(data: Json) -> None:
    data["forms"] = [f for f in data["forms"] if f["entity"] != "deal"]


def _deal_table(data: Json) -> None:
    data["views"].append({"type": "table", "entity": "deal", "key": "all", "columns": ["title"]})


def _sort_by_level(data: Json) -> None:
    view(data, "customer", "all")["sort"] = ["-level"]


def _drop_pipeline(data: Json) -> None:
    data["views"] = [v for v in data["views"] if v["key"] != "pipeline"]


def _manager_role(data: Json) -> None:
    data["roles"].append({"key": "manager", "permissions": {"deal": {"read": "all"}}})


def _rep_deletes(data: Json) -> None:
    data["roles"][0]["permissions"]["customer"]["delete"] = "own"


def _drop_rep(data: Json) -> None:
    data["roles"] = []


def _views_reversed(data: Json) -> None:
    data["views"].reverse()


def _lose_action(data: Json) -> None:
    data["actions"].append(
        {
            "key": "lose",
            "entity": "deal",
            "type": "set_fields",
            "label": {"en": "Lose"},
            "set": {"stage": "='lost'"},
        }
    )


def _win_label(data: Json) -> None:
    data["actions"][0]["label"] = {"en": "Close as won"}


def _drop_win(data: Json) -> None:
    data["actions"] = []


#: For each registered kind, an edit a tenant makes that is described with it.
EDIT_OF_KIND: dict[str, Edit] = {
    "add_entity": _supplier,
    "remove_entity": _drop_deal,
    "add_field": add_wechat,
    "remove_field": _drop_note,
    "reorder_fields": _swap_name_level,
    "set_property": _phone_required,
    "add_option": add_pilot_stage,
    "relabel": relabel_phone,
    "hide_field": hide_fax,
    "place_field": _note_in_table,
    "add_form_section": _vip_section,
    "add_form": _quick_form,
    "set_form": _three_columns,
    "remove_form": _drop_deal_form,
    "add_view": _deal_table,
    "set_view": _sort_by_level,
    "remove_view": _drop_pipeline,
    "add_role": _manager_role,
    "set_permission": _rep_deletes,
    "remove_role": _drop_rep,
    "add_item": _lose_action,
    "set_item": _win_label,
    "remove_item": _drop_win,
    "reorder": _views_reversed,
}


def _unplaced_email(data: Json) -> None:
    entity(data, "customer")["fields"].append({"key": "email", "type": "email"})


#: A later template version whose changes touch none of the edits above.
ELSEWHERE = edited(version("1.1.0"), _unplaced_email, add_negotiation_stage)


def test_every_registered_kind_has_an_edit_here() -> None:
    assert set(change_kinds) == set(EDIT_OF_KIND)


@pytest.mark.parametrize("kind", sorted(EDIT_OF_KIND))
def test_each_kind_is_derived_reapplied_and_carried_as_json(kind: str) -> None:
    customised = load_definition(edited(EDIT_OF_KIND[kind]))
    overlay = diff_to_overlay(load_definition(SHOP), customised)
    assert kind in {c.kind for c in overlay.changes}
    carried = parse_overlay(json.loads(json.dumps(overlay.to_json())))
    assert carried == overlay
    applied = apply_overlay(load_definition(SHOP), carried)
    assert applied.ok, applied.conflicts
    assert applied.definition is not None
    assert content(applied.definition) == content(customised)
    # On a later template version that changed other things, it applies cleanly too.
    later = apply_overlay(load_definition(ELSEWHERE), carried)
    assert later.ok, later.conflicts


def test_no_change_no_overlay() -> None:
    overlay = derive()
    assert overlay.empty
    assert overlay.base.key == "shop" and overlay.base.version == "1.0.0"


def test_the_typical_tenant_edits_in_the_finest_kinds() -> None:
    overlay = derive(*TENANT_EDITS)
    assert [c.ref for c in overlay.changes] == [
        "relabel:customer.phone",
        "add_field:customer.wechat",
        "add_option:deal.stage=pilot",
        "hide_field:customer.fax",
        "place_field:customer.wechat@form:customer.default#1",
        "place_field:customer.wechat@view:customer.all",
    ]
    add = overlay.changes[1]
    assert add.to_json() == {
        "kind": "add_field",
        "entity": "customer",
        "subtable": None,
        "field": {
            "key": "wechat",
            "type": "text",
            "label": {"en": "WeChat"},
            "required": False,
            "unique": False,
            "index": False,
        },
        "after": "phone",
    }


# -- add_field ----------------------------------------------------------------------------------
def test_an_added_field_keeps_its_place_next_to_template_fields() -> None:
    applied = reapply(derive(add_wechat), add_email)
    keys = [f["key"] for f in entity(applied.document, "customer")["fields"]]
    assert keys == ["name", "level", "phone", "wechat", "fax", "note", "email"]
    assert form(applied.document, "customer")["layout"][1]["fields"] == [
        "wechat",
        "phone",
        "fax",
        "note",
        "email",
    ]


def _template_wechat(kind: str) -> Edit:
    def edit(data: Json) -> None:
        entity(data, "customer")["fields"].append(
            {"key": "wechat", "type": kind, "label": {"en": "WeChat"}}
        )

    return edit


def test_a_template_field_of_the_same_key_is_a_conflict_unless_identical() -> None:
    overlay = derive(add_wechat)
    clash = reapply(overlay, _template_wechat("url"))
    assert conflict_codes(clash) == {"add_field:customer.wechat": "exists_in_template"}
    assert clash.conflicts[0].resolutions == ("keep", "drop")
    assert field(clash.document, "customer", "wechat")["type"] == "url"

    kept = reapply(
        overlay, _template_wechat("url"), resolutions={"add_field:customer.wechat": "keep"}
    )
    assert kept.ok and field(kept.document, "customer", "wechat")["type"] == "text"
    assert statuses(kept)["add_field:customer.wechat"] == "kept"

    dropped = reapply(
        overlay, _template_wechat("url"), resolutions={"add_field:customer.wechat": "drop"}
    )
    assert dropped.ok and field(dropped.document, "customer", "wechat")["type"] == "url"
    assert statuses(dropped)["add_field:customer.wechat"] == "dropped"

    same = reapply(overlay, _template_wechat("text"))
    assert same.ok and statuses(same)["add_field:customer.wechat"] == "redundant"


def test_adding_to_an_entity_the_template_removed_is_a_conflict() -> None:
    overlay = derive(lambda d: entity(d, "deal")["fields"].append({"key": "x", "type": "text"}))
    applied = reapply(overlay, _drop_deal)
    assert conflict_codes(applied) == {"add_field:deal.x": "missing_target"}
    assert applied.conflicts[0].resolutions == ("drop",)


def test_a_field_placed_after_a_removed_field_goes_last_with_a_note() -> None:
    applied = reapply(derive(add_wechat), remove_phone)
    assert [f["key"] for f in entity(applied.document, "customer")["fields"]][-1] == "wechat"
    assert [n.ref for n in applied.notes] == ["add_field:customer.wechat"]


def test_a_line_item_field() -> None:
    def add_discount(data: Json) -> None:
        field(data, "deal", "lines")["fields"].append({"key": "discount", "type": "percent"})

    overlay = derive(add_discount)
    assert [c.ref for c in overlay.changes] == ["add_field:deal.lines.discount"]
    applied = reapply(overlay)
    assert [f["key"] for f in field(applied.document, "deal", "lines")["fields"]] == [
        "product",
        "qty",
        "discount",
    ]


# -- remove_field and reorder_fields ------------------------------------------------------------
def test_removing_a_field_takes_it_off_forms_views_sorts_and_roles() -> None:
    def drop_level(data: Json) -> None:
        entity(data, "customer")["fields"].pop(1)
        form(data, "customer")["layout"][0]["fields"].remove("level")
        view(data, "customer", "all")["columns"].remove("level")

    overlay = derive(drop_level)
    assert [c.ref for c in overlay.changes] == ["remove_field:customer.level"]

    def level_everywhere(data: Json) -> None:
        view(data, "customer", "all")["sort"] = ["-level"]
        data["roles"][0]["permissions"]["customer"]["fields"] = {"level": "read"}

    applied = reapply(overlay, level_everywhere)
    assert applied.ok, applied.conflicts
    assert view(applied.document, "customer", "all")["sort"] == []
    assert applied.document["roles"][0]["permissions"]["customer"]["fields"] == {}


def test_removing_what_the_template_removed_too_is_redundant() -> None:
    def drop_phone_field_only(data: Json) -> None:
        remove_phone(data)

    applied = reapply(derive(drop_phone_field_only), remove_phone)
    assert applied.ok and statuses(applied) == {"remove_field:customer.phone": "redundant"}


def test_reordering_keeps_new_template_fields_where_the_template_put_them() -> None:
    applied = reapply(derive(_swap_name_level), add_email)
    keys = [f["key"] for f in entity(applied.document, "customer")["fields"]]
    assert keys == ["level", "name", "phone", "fax", "note", "email"]


# -- set_property ------------------------------------------------------------------------------
def test_a_property_the_template_left_alone_is_reapplied() -> None:
    overlay = derive(_phone_required)
    (change,) = overlay.changes
    assert change.to_json() == {
        "kind": "set_property",
        "entity": "customer",
        "field": "phone",
        "property": "required",
        "value": True,
        "was": False,
    }
    applied = reapply(overlay, add_email)
    assert field(applied.document, "customer", "phone")["required"] is True


def test_a_property_both_changed_differently_is_a_conflict_keep_or_drop() -> None:
    def help_text(text: str) -> Edit:
        return lambda d: field(d, "customer", "phone").update(help={"en": text})

    overlay = derive(help_text("the tenant's"))
    clash = reapply(overlay, help_text("the vendor's"))
    ref = "set_property:customer.phone[help]"
    assert conflict_codes(clash) == {ref: "changed_in_template"}
    assert "the template changed it too" in clash.conflicts[0].message
    kept = reapply(overlay, help_text("the vendor's"), resolutions={ref: "keep"})
    assert field(kept.document, "customer", "phone")["help"] == {"en": "the tenant's"}
    dropped = reapply(overlay, help_text("the vendor's"), resolutions={ref: "drop"})
    assert field(dropped.document, "customer", "phone")["help"] == {"en": "the vendor's"}
    same = reapply(overlay, help_text("the tenant's"))
    assert statuses(same) == {ref: "redundant"}


def test_a_property_of_a_field_the_template_removed_is_a_conflict() -> None:
    applied = reapply(derive(_phone_required), remove_phone)
    assert conflict_codes(applied) == {"set_property:customer.phone[required]": "missing_target"}
    assert "no longer has customer.phone" in applied.conflicts[0].message


def test_unsetting_entity_and_app_properties() -> None:
    def no_description(data: Json) -> None:
        del data["description"]
        entity(data, "customer")["title_field"] = "phone"

    overlay = derive(no_description)
    assert {c.ref for c in overlay.changes} == {
        "set_property:$[description]",
        "set_property:customer[title_field]",
    }
    applied = reapply(overlay)
    assert "description" not in applied.document
    assert entity(applied.document, "customer")["title_field"] == "phone"


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "set_property", "entity": "customer", "field": "phone", "property": "label"},
        {"kind": "set_property", "entity": "customer", "field": "phone", "property": "key"},
        {"kind": "set_property", "field": "phone", "property": "required"},
        {"kind": "set_property", "entity": "customer", "property": "fields"},
        {"kind": "set_property", "property": "entities"},
    ],
)
def test_set_property_refuses_what_other_kinds_say(change: Json) -> None:
    with pytest.raises(ValidationError):
        parse_overlay({"base": {"key": "shop", "version": "1.0.0"}, "changes": [change]})


# -- add_option ---------------------------------------------------------------------------------
def test_an_added_stage_keeps_its_place_among_new_template_stages() -> None:
    applied = reapply(derive(add_pilot_stage), add_negotiation_stage)
    values = [o["value"] for o in field(applied.document, "deal", "stage")["options"]]
    assert values == ["new", "pilot", "negotiation", "won", "lost"]


def test_an_option_value_the_template_now_has_is_a_conflict() -> None:
    def vendor_pilot(data: Json) -> None:
        field(data, "deal", "stage")["options"].append({"value": "pilot", "label": {"en": "Trial"}})

    applied = reapply(derive(add_pilot_stage), vendor_pilot)
    assert conflict_codes(applied) == {"add_option:deal.stage=pilot": "exists_in_template"}


def test_an_option_for_a_field_that_is_no_longer_a_choice_is_a_conflict() -> None:
    def stage_as_text(data: Json) -> None:
        stage = field(data, "deal", "stage")
        stage["type"] = "text"
        del stage["options"]
        del data["views"][1]

    applied = reapply(derive(add_pilot_stage), stage_as_text)
    assert conflict_codes(applied) == {"add_option:deal.stage=pilot": "not_a_choice"}


def test_options_changed_beyond_adding_and_relabelling_are_set_whole() -> None:
    def reprice(data: Json) -> None:
        field(data, "deal", "stage")["options"][0]["probability"] = 0.2

    overlay = derive(reprice)
    assert [c.ref for c in overlay.changes] == ["set_property:deal.stage[options]"]
    clash = reapply(overlay, add_negotiation_stage)
    assert conflict_codes(clash) == {"set_property:deal.stage[options]": "changed_in_template"}


# -- relabel ------------------------------------------------------------------------------------
def _relabel_everything(data: Json) -> None:
    data["label"] = {"en": "My shop"}
    entity(data, "customer")["label"] = {"en": "Client"}
    field(data, "customer", "level")["options"][0]["label"] = {"en": "Gold"}
    view(data, "customer", "all")["label"] = {"en": "Clients"}
    form(data, "customer")["label"] = {"en": "Client card"}
    form(data, "customer")["layout"][1]["section"] = {"en": "Reach"}
    data["roles"][0]["label"] = {"en": "Seller"}


def test_relabelling_every_kind_of_item() -> None:
    overlay = derive(_relabel_everything)
    assert {c.ref for c in overlay.changes} == {
        "relabel:$",
        "relabel:customer",
        "relabel:customer.level=a",
        "relabel:view:customer.all",
        "relabel:form:customer.default",
        "relabel:form:customer.default#1",
        "relabel:role:rep",
    }
    applied = reapply(overlay, add_email)
    assert applied.ok
    assert applied.document["label"] == {"en": "My shop"}
    assert form(applied.document, "customer")["layout"][1]["section"] == {"en": "Reach"}


def test_a_label_both_changed_is_a_conflict() -> None:
    def vendor_label(data: Json) -> None:
        field(data, "customer", "phone")["label"] = {"en": "Telephone"}

    applied = reapply(derive(relabel_phone), vendor_label)
    assert conflict_codes(applied) == {"relabel:customer.phone": "changed_in_template"}


@pytest.mark.parametrize(
    "target",
    [{"field": "phone"}, {"entity": "customer", "option": "a"}, {"view": "all"}, {"section": 0}],
)
def test_relabel_needs_a_complete_address(target: Json) -> None:
    change = {"kind": "relabel", "label": {"en": "x"}, **target}
    with pytest.raises(ValidationError):
        parse_overlay({"base": {"key": "shop", "version": "1.0.0"}, "changes": [change]})


# -- hide_field and place_field ---------------------------------------------------------------
def test_a_hidden_field_stays_hidden_when_the_template_shows_it_somewhere_new() -> None:
    def fax_view(data: Json) -> None:
        data["views"].append(
            {"type": "table", "entity": "customer", "key": "faxes", "columns": ["name", "fax"]}
        )

    applied = reapply(derive(hide_fax), fax_view)
    assert applied.ok
    assert view(applied.document, "customer", "faxes")["columns"] == ["name"]
    assert field(applied.document, "customer", "fax")["type"] == "text"  # still there


def test_hiding_a_field_the_template_removed_is_redundant_with_a_note() -> None:
    def drop_fax(data: Json) -> None:
        entity(data, "customer")["fields"] = [
            f for f in entity(data, "customer")["fields"] if f["key"] != "fax"
        ]
        hide_fax(data)

    applied = reapply(derive(hide_fax), drop_fax)
    assert applied.ok and statuses(applied) == {"hide_field:customer.fax": "redundant"}
    assert [n.ref for n in applied.notes] == ["hide_field:customer.fax"]


def test_placing_on_a_view_the_template_removed_is_a_conflict() -> None:
    def drop_all(data: Json) -> None:
        data["views"] = [v for v in data["views"] if v["key"] != "all"]

    applied = reapply(derive(_note_in_table), drop_all)
    assert conflict_codes(applied) == {
        "place_field:customer.note@view:customer.all": "missing_target"
    }


def test_an_added_section_whose_field_the_template_now_shows_is_a_conflict() -> None:
    overlay = derive(_vip_section)
    assert "add_form_section:form:customer.default+vip" in {c.ref for c in overlay.changes}

    def vendor_vip(data: Json) -> None:
        _vip_section(data)
        form(data, "customer")["layout"][-1]["section"] = {"en": "Vendor's VIP"}

    applied = reapply(overlay, vendor_vip)
    assert conflict_codes(applied)["add_form_section:form:customer.default+vip"] == (
        "shown_elsewhere"
    )


# -- whole forms, views and roles ----------------------------------------------------------------
def test_a_replaced_form_the_template_changed_too_is_a_conflict() -> None:
    overlay = derive(_three_columns)
    assert [c.ref for c in overlay.changes] == ["set_form:form:customer.default"]
    clash = reapply(overlay, add_email)
    assert conflict_codes(clash) == {"set_form:form:customer.default": "changed_in_template"}
    kept = reapply(overlay, add_email, resolutions={"set_form:form:customer.default": "keep"})
    assert kept.ok and "email" not in form(kept.document, "customer")["layout"][1]["fields"]


def test_a_replaced_view_the_template_removed_can_be_kept() -> None:
    overlay = derive(_sort_by_level)
    clash = reapply(overlay, _drop_pipeline, lambda d: d["views"].pop(0))
    assert conflict_codes(clash) == {"set_view:view:customer.all": "missing_target"}
    assert clash.conflicts[0].resolutions == ("keep", "drop")
    kept = reapply(
        overlay,
        _drop_pipeline,
        lambda d: d["views"].pop(0),
        resolutions={"set_view:view:customer.all": "keep"},
    )
    assert kept.ok and view(kept.document, "customer", "all")["sort"] == ["-level"]


def test_a_permission_for_a_role_the_template_removed_is_a_conflict() -> None:
    applied = reapply(derive(_rep_deletes), _drop_rep)
    assert conflict_codes(applied) == {"set_permission:role:rep/customer": "missing_target"}


def test_a_role_the_template_added_too_is_a_conflict() -> None:
    def vendor_manager(data: Json) -> None:
        data["roles"].append({"key": "manager", "permissions": {"customer": {"read": "all"}}})

    applied = reapply(derive(_manager_role), vendor_manager)
    assert conflict_codes(applied) == {"add_role:role:manager": "exists_in_template"}


def test_an_added_entity_the_template_added_too_is_a_conflict() -> None:
    def vendor_supplier(data: Json) -> None:
        data["entities"].append({"key": "supplier", "fields": [{"key": "code", "type": "text"}]})

    applied = reapply(derive(_supplier), vendor_supplier)
    assert conflict_codes(applied) == {"add_entity:supplier": "exists_in_template"}


def test_reorder_leaves_new_template_items_in_place() -> None:
    def vendor_view(data: Json) -> None:
        data["views"].insert(1, {"type": "table", "entity": "deal", "key": "new", "columns": []})

    applied = reapply(derive(_views_reversed), vendor_view)
    assert [v["key"] for v in applied.document["views"]] == ["pipeline", "new", "all"]


# -- other keyed lists: record actions, pools ---------------------------------------------------
def test_actions_are_customised_one_by_one() -> None:
    overlay = derive(_win_label, _lose_action)
    assert [c.ref for c in overlay.changes] == [
        "set_item:actions:deal.win",
        "add_item:actions:deal.lose",
    ]

    # The vendor adding another action does not collide with the tenant's.
    def vendor_reopen(data: Json) -> None:
        data["actions"].insert(
            0,
            {
                "key": "reopen",
                "entity": "deal",
                "type": "set_fields",
                "label": {"en": "Reopen"},
                "set": {"stage": "='new'"},
            },
        )

    applied = reapply(overlay, vendor_reopen)
    assert applied.ok, applied.conflicts
    assert [a["key"] for a in applied.document["actions"]] == ["reopen", "win", "lose"]
    clash = reapply(overlay, lambda d: d["actions"][0].update(label={"en": "Won!"}))
    assert conflict_codes(clash) == {"set_item:actions:deal.win": "changed_in_template"}
    gone = reapply(overlay, _drop_win)
    assert conflict_codes(gone) == {"set_item:actions:deal.win": "missing_target"}


def test_item_kinds_leave_the_lists_with_kinds_of_their_own_alone() -> None:
    change = {"kind": "remove_item", "part": "views", "id": "customer.all"}
    with pytest.raises(ValidationError, match="kinds of its own"):
        parse_overlay({"base": {"key": "shop", "version": "1.0.0"}, "changes": [change]})


# -- the result as a whole ---------------------------------------------------------------------
def test_a_customisation_referring_to_a_removed_field_makes_an_invalid_result() -> None:
    def call_hint(data: Json) -> None:
        entity(data, "customer")["fields"].append(
            {
                "key": "call",
                "type": "formula",
                "expr": "CONCAT('tel:', phone)",
                "result_type": "text",
            }
        )

    applied = reapply(derive(call_hint), remove_phone)
    assert applied.definition is None and not applied.ok
    (problem,) = applied.conflicts
    assert (problem.code, problem.ref) == ("invalid_result", None)
    assert problem.path.startswith("customer.call")
    assert "phone" in problem.message
    assert problem.related == ("add_field:customer.call",)


def test_resolutions_must_name_changes_of_the_overlay() -> None:
    with pytest.raises(OverlayError, match="relabel:nothing"):
        reapply(derive(relabel_phone), resolutions={"relabel:nothing": "drop"})


def test_an_overlay_names_each_change_once_and_knows_its_kinds() -> None:
    base = {"key": "shop", "version": "1.0.0"}
    hide = {"kind": "hide_field", "entity": "customer", "field": "fax"}
    with pytest.raises(ValidationError, match="two changes"):
        parse_overlay({"base": base, "changes": [hide, hide]})
    with pytest.raises(ValidationError) as err:
        parse_overlay({"base": base, "changes": [hide, {"kind": "paint", "colour": "red"}]})
    assert err.value.errors()[0]["loc"][:2] == ("changes", 1)
    with pytest.raises(ValidationError):
        parse_overlay({"base": base, "changes": [{**hide, "extra": 1}]})


# -- round trips over many edits at once -------------------------------------------------------
COMPATIBLE: tuple[Edit, ...] = (
    *TENANT_EDITS,
    _supplier,
    _swap_name_level,
    _phone_required,
    _note_in_table,
    _vip_section,
    _quick_form,
    _three_columns,
    _deal_table,
    _sort_by_level,
    _drop_pipeline,
    _manager_role,
    _rep_deletes,
    _relabel_everything,
    _views_reversed,
    _lose_action,
    _win_label,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(COMPATIBLE), unique=True, max_size=8))
def test_any_combination_of_edits_round_trips(edits: list[Edit]) -> None:
    base = load_definition(SHOP)
    customised = load_definition(edited(*edits))
    overlay = diff_to_overlay(base, customised)
    applied = apply_overlay(base, parse_overlay(overlay.to_json()))
    assert applied.ok, applied.conflicts
    assert applied.definition is not None
    assert content(applied.definition) == content(customised)


def test_the_crm_template_round_trips_with_a_tenants_edits() -> None:
    if not CRM.is_file():
        pytest.fail("templates/crm/app.json is missing")
    raw: Json = json.loads(CRM.read_text(encoding="utf-8"))
    base = load_definition(raw)

    def customise(data: Json) -> None:
        lead = entity(data, "lead")
        lead["fields"].insert(2, {"key": "wechat", "type": "text", "label": {"en": "WeChat"}})
        stage = field(data, "opportunity", "stage")
        stage["options"].insert(2, {"value": "pilot", "label": {"en": "Pilot"}, "probability": 0.4})
        field(data, "lead", "company")["label"] = {"en": "Company name", "zh-CN": "公司全称"}
        for f in data["forms"]:
            for section in f["layout"]:
                if f["entity"] == "lead" and "job_title" in section["fields"]:
                    section["fields"].remove("job_title")
        for v in data["views"]:
            shown = v.get("columns", v.get("card_fields", []))
            if v["entity"] == "lead" and "job_title" in shown:
                shown.remove("job_title")

    customised = load_definition(edited(customise, data=raw))
    overlay = diff_to_overlay(base, customised)
    kinds = {c.kind for c in overlay.changes}
    assert {"add_field", "add_option", "relabel", "hide_field"} <= kinds
    applied = apply_overlay(base, parse_overlay(overlay.to_json()))
    assert applied.definition is not None and applied.ok
    assert content(applied.definition) == content(customised)
