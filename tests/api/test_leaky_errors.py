"""Refusals never name a record the caller cannot read: unique values, restricting links."""

from __future__ import annotations

from tests.api.write_app import Deals, deals, errors

__all__ = ["deals"]  # the fixture, used by name

TAKEN = "must be unique: another record already has this value"


def test_a_unique_value_held_out_of_sight_is_not_named(deals: Deals) -> None:
    theirs = deals.create("rep2", "account", name="Acme")
    for path, body in [("/account", {"name": "Acme"}), ("/account/bulk", [{"name": "Acme"}])]:
        refused = deals.call("rep", "POST", path, json=body)
        assert refused.status_code == 422
        assert [e["message"] for e in errors(refused)] == [TAKEN], path
        assert str(theirs["id"]) not in refused.text
    mine = deals.create("rep", "account", name="Mine")
    renamed = deals.patch("rep", f"/account/{mine['id']}", 1, name="Acme")
    assert errors(renamed) == [{"field": "name", "message": TAKEN}]
    # A record the caller reads is named by its title, so they can find it.
    again = deals.call("rep", "POST", "/account", json={"name": "Mine"})
    assert errors(again) == [
        {"field": "name", "message": "must be unique: account 'Mine' already has this value"}
    ]
    admin = deals.call("admin", "POST", "/account", json={"name": "Acme"})
    assert "account 'Acme'" in errors(admin)[0]["message"]
    assert f"#{theirs['id']}" not in admin.text
    # Nor does a value held by a record in someone else's recycle bin name it.
    binned = deals.create("rep2", "account", name="Old")
    assert deals.call("rep2", "DELETE", f"/account/{binned['id']}").status_code == 204
    held = deals.call("rep", "POST", "/account", json={"name": "Old"})
    assert errors(held) == [{"field": "name", "message": TAKEN}]
    assert "recycle bin" not in held.text


def test_a_restricting_link_is_counted_not_named(deals: Deals) -> None:
    account = deals.create("rep2", "account", name="Theirs")
    # A rep may not link to rep2's account (engine/forms/link_scope.py), but
    # the administrator may: deals rep2 cannot read block rep2's delete.
    refused_link = deals.call("rep", "POST", "/deal", json={"name": "D", "account": account["id"]})
    assert errors(refused_link) == [
        {"field": "account", "message": f"there is no account with id {account['id']}"}
    ]
    ids = [
        deals.create("admin", "deal", name=f"D{i}", account=account["id"])["id"] for i in range(2)
    ]
    refused = deals.call("rep2", "DELETE", f"/account/{account['id']}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"account #{account['id']} is still linked from 2 deal records "
        "(field account of deal); unlink or delete them first"
    )
    assert not any(f"#{i}" in refused.json()["detail"] for i in ids if i != account["id"])
