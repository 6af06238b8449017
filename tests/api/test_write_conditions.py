"""Every write path enforces every condition: readonly_when, required_when, field access.

Paths: create, PATCH, bulk create, import, record actions; on SQLite and PostgreSQL.
Only a change to a read-only field is refused: the stored value sent back is not.
"""

from __future__ import annotations

from engine.forms.input_rules import READ_ONLY_FOR_YOU, READ_ONLY_NOW
from tests.api.write_app import Deals, deals, errors

__all__ = ["deals"]  # the fixture, used by name

AMOUNT_LOCKED = [{"field": "amount", "message": READ_ONLY_NOW}]


def test_readonly_when_holds_on_the_stored_and_on_the_written_state(deals: Deals) -> None:
    deal = deals.create("rep", "deal", name="D", amount=100)
    path = f"/deal/{deal['id']}"
    closed = deals.patch("rep", path, 1, stage="closed", reason="signed")
    assert closed.status_code == 200, closed.text
    # Stored closed: no change of the amount, not even while reopening in the same request.
    for body in ({"amount": 200}, {"stage": "open", "amount": 200}):
        refused = deals.patch("rep", path, 2, **body)
        assert refused.status_code == 422 and errors(refused) == AMOUNT_LOCKED, body
    # Administrators type through the same forms: the condition holds for them too.
    assert errors(deals.patch("admin", path, 2, amount=1)) == AMOUNT_LOCKED
    # The whole record read sent back with the amount unchanged is no change of it.
    record = deals.call("rep", "GET", path).json()
    whole = deals.call("rep", "PATCH", path, json={**record, "name": "D2"})
    assert whole.status_code == 200, whole.text
    assert whole.json()["amount"] == 100 and whole.json()["name"] == "D2"
    # Reopen first (the stage is not read-only), then the amount may change.
    assert deals.patch("rep", path, 3, stage="open").status_code == 200
    changed = deals.patch("rep", path, 4, amount=150)
    assert changed.status_code == 200 and changed.json()["amount"] == 150

    # Closing and changing the amount at once: the written state makes it read-only.
    other = deals.create("rep", "deal", name="E", amount=10)
    both = deals.patch("rep", f"/deal/{other['id']}", 1, stage="closed", reason="r", amount=5)
    assert both.status_code == 422 and errors(both) == AMOUNT_LOCKED
    after = deals.call("rep", "GET", f"/deal/{other['id']}").json()
    assert after["stage"] == "open" and after["amount"] == 10  # nothing of it was written


def test_readonly_when_on_create_bulk_and_import(deals: Deals) -> None:
    closed = {"name": "C", "stage": "closed", "reason": "r"}
    refused = deals.call("rep", "POST", "/deal", json={**closed, "amount": 5})
    assert refused.status_code == 422 and errors(refused) == AMOUNT_LOCKED
    # The field's default (none) is no change: a closed deal without an amount is fine.
    assert deals.call("rep", "POST", "/deal", json={**closed, "amount": None}).status_code == 201
    bulk = deals.call(
        "rep", "POST", "/deal/bulk", json=[{"name": "ok", "amount": 1}, {**closed, "amount": 5}]
    )
    assert bulk.status_code == 422
    assert errors(bulk) == [{"field": "[1].amount", "message": READ_ONLY_NOW}]
    csv = b"Name,Stage,Reason,Amount\nfine,open,,3\nlocked,closed,r,5\n"
    imported = deals.call(
        "rep", "POST", "/deal/import", files={"file": ("deals.csv", csv, "text/csv")}
    )
    assert imported.status_code == 422, imported.text
    problems = imported.json()["errors"]
    assert [(p["row"], p["message"]) for p in problems] == [(3, READ_ONLY_NOW)]  # header is row 1
    assert "amount" in problems[0]["field"]
    assert deals.total("deal") == 1  # only the closed deal without an amount


def test_role_read_only_fields_refuse_changes_only(deals: Deals) -> None:
    created = deals.call("rep", "POST", "/deal", json={"name": "D", "discount": None})
    assert created.status_code == 201 and created.json()["discount"] is None
    refused = deals.call("rep", "POST", "/deal", json={"name": "D", "discount": 0.1})
    assert errors(refused) == [{"field": "discount", "message": READ_ONLY_FOR_YOU}]
    deal = created.json()
    path = f"/deal/{deal['id']}"
    assert deals.patch("admin", path, 1, discount=0.2).status_code == 200
    same = deals.patch("rep", path, 2, discount=0.2, name="D2")
    assert same.status_code == 200, same.text
    changed = deals.patch("rep", path, 3, discount=0.3)
    assert errors(changed) == [{"field": "discount", "message": READ_ONLY_FOR_YOU}]
    emptied = deals.patch("rep", path, 3, discount=None)
    assert errors(emptied) == [{"field": "discount", "message": READ_ONLY_FOR_YOU}]


def test_sub_field_readonly_when_compares_rows_by_position(deals: Deals) -> None:
    deal = deals.create("rep", "deal", name="D", lines=[{"product": "A", "qty": 2}])
    path = f"/deal/{deal['id']}"
    fixed = deals.patch("rep", path, 1, lines=[{"product": "A", "qty": 2, "fixed": True}])
    assert fixed.status_code == 200, fixed.text
    locked = [{"field": "lines[0].qty", "message": READ_ONLY_NOW}]
    for row in ({"product": "A", "qty": 3, "fixed": True}, {"product": "A", "qty": 3}):
        refused = deals.patch("rep", path, 2, lines=[row])
        assert errors(refused) == locked, row
    # A new row is checked against its own state; the fixed one stays as it is.
    grown = deals.patch(
        "rep",
        path,
        2,
        lines=[{"product": "A", "qty": 2, "fixed": True}, {"product": "B", "qty": 7}],
    )
    assert grown.status_code == 200, grown.text
    assert [line["qty"] for line in grown.json()["lines"]] == [2, 7]


def test_action_inputs_obey_readonly_when_but_designed_effects_do_not_need_to(
    deals: Deals,
) -> None:
    deal = deals.create("rep", "deal", name="D", amount=10)
    adjust = f"/deal/{deal['id']}/actions/adjust"
    done = deals.call("rep", "POST", adjust, json={"amount": 20})
    assert done.status_code == 200, done.text
    assert done.json()["record"]["amount"] == 20
    assert deals.patch("rep", f"/deal/{deal['id']}", 2, stage="closed", reason="r").is_success
    refused = deals.call("rep", "POST", adjust, json={"amount": 30})
    assert refused.status_code == 422 and errors(refused) == AMOUNT_LOCKED
    # The same value typed again is no change; the action still runs.
    same = deals.call("rep", "POST", adjust, json={"amount": 20, "reason": "again"})
    assert same.status_code == 200, same.text


def test_required_texts_of_only_blanks_are_missing(deals: Deals) -> None:
    for blank in ("   ", "\u3000\u3000", "\u00a0", " \t\n", "\u200b"):
        response = deals.call("rep", "POST", "/account", json={"name": blank})
        assert errors(response) == [{"field": "name", "message": "is required"}], repr(blank)
    bulk = deals.call("rep", "POST", "/account/bulk", json=[{"name": "A"}, {"name": "\u3000"}])
    assert errors(bulk) == [{"field": "[1].name", "message": "is required"}]
    # Single-line texts are stored trimmed, so "Acme " and "Acme" are the same name.
    acme = deals.create("rep", "account", name="\u3000 Acme \u00a0")
    assert acme["name"] == "Acme"
    twin = deals.call("rep", "POST", "/account", json={"name": "Acme  "})
    assert twin.status_code == 422 and errors(twin)[0]["field"] == "name"
    # required_when: closing needs a reason, and blanks are none; multi-line keeps its layout.
    deal = deals.create("rep", "deal", name="D")
    path = f"/deal/{deal['id']}"
    no_reason = deals.patch("rep", path, 1, stage="closed", reason=" \u3000\n")
    assert errors(no_reason) == [{"field": "reason", "message": "is required"}]
    kept = deals.patch("rep", path, 1, stage="closed", reason="  line 1\n  line 2")
    assert kept.status_code == 200 and kept.json()["reason"] == "  line 1\n  line 2"
    emptied = deals.patch("rep", path, 2, reason="\u3000")
    assert errors(emptied) == [{"field": "reason", "message": "is required"}]
