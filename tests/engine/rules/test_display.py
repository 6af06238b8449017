"""Which fields a message template reads: the values a delivery carries."""

from __future__ import annotations

from engine.rules.display import fields_read

FIELDS = ("company", "contact_name", "status", "amount")


def test_attribute_and_item_access_read_one_field_each() -> None:
    reads = fields_read(
        ["{{ record.contact_name }}，您好", "{{ record['company'] }} {{ old.status }}"], FIELDS
    )
    assert reads == {
        "record": frozenset({"contact_name", "company"}),
        "raw": frozenset(),
        "old": frozenset({"status"}),
    }


def test_any_other_use_of_the_record_reads_every_field() -> None:
    assert (
        fields_read(["{% for k, v in record.items() %}{{ v }}{% endfor %}"], FIELDS)["record"]
        is None
    )
    assert fields_read(["{{ raw | tojson }}"], FIELDS)["raw"] is None
    # A name that is no field (a typo, a method): everything, rather than a guess.
    assert fields_read(["{{ record.nope }}"], FIELDS)["record"] is None


def test_a_template_that_does_not_parse_reads_everything() -> None:
    assert fields_read(["{{ record.company"], FIELDS) == {
        "record": None,
        "raw": None,
        "old": None,
    }
