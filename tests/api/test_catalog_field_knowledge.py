"""The catalogue serves what each field type declares, so the web client keeps no lists."""

from __future__ import annotations

from fastapi.testclient import TestClient

from engine.forms.registry import field_types


def test_catalogue_serves_each_types_knowledge(client: TestClient, auth: dict[str, str]) -> None:
    served = {t["type"]: t for t in client.get("/api/catalog/field-types", headers=auth).json()}
    assert set(served) == set(field_types)
    for key, field_type in field_types.items():
        entry = served[key]
        assert (
            entry["numeric"],
            entry["sortable"],
            entry["filter_kind"],
            entry["in_subtable"],
        ) == (
            field_type.numeric,
            field_type.sortable,
            field_type.filter_kind,
            field_type.in_subtable,
        ), key
    assert served["percent"]["numeric"] is True and served["percent"]["filter_kind"] == "number"
    assert served["richtext"]["sortable"] is False and served["text"]["sortable"] is True
    assert served["formula"]["filter_kind"] == "derived"
    assert served["links"]["filter_kind"] is None and served["attachment"]["in_subtable"] is False
