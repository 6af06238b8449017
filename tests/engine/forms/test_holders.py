"""A unique value's holder is named by its title only as far as the writer may read
it: scope, hidden title, masked title (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import select

from builder.apps import install_app
from builder.validate import load_definition
from engine.forms.context import WriteContext
from engine.forms.errors import RecordInvalid
from engine.forms.holders import Readable
from engine.forms.masking import FieldMasks
from engine.forms.records import create_record, delete_record
from engine.i18n import ZH_CN, translate
from engine.store.tables import users

APP: dict[str, Any] = {
    "key": "hold",
    "version": "1.0.0",
    "entities": [
        {
            "key": "lead",
            "label": {"zh-CN": "线索", "en": "Lead"},
            "title_field": "stage",
            "fields": [
                {
                    "key": "stage",
                    "type": "select",
                    "options": [{"value": "hot", "label": {"zh-CN": "热", "en": "Hot"}}],
                },
                {"key": "phone", "type": "text", "unique": True},
                {"key": "pooled", "type": "boolean"},
            ],
        },
        {
            "key": "tag",
            "fields": [{"key": "name", "type": "text", "unique": True}],
        },
    ],
    "roles": [],
}


@pytest.fixture
def ctx(platform: Any, tenant: str) -> Iterator[WriteContext]:
    with platform.store.write(tenant) as conn:
        install_app(conn, load_definition(APP), None)
        runtime = platform.runtime(conn, tenant, "hold")
        admin = conn.scalar(select(users.c.id).where(users.c.username == "admin"))
        yield WriteContext(conn, runtime, "lead", admin, datetime.now(UTC))


def refusal(ctx: WriteContext, entity: str, values: dict[str, Any], **kw: Any) -> str:
    with pytest.raises(RecordInvalid) as caught:
        create_record(ctx, ctx.app.entities[entity], values, **kw)
    (error,) = caught.value.errors
    return error.message


def test_a_title_is_said_as_a_person_reads_it(ctx: WriteContext) -> None:
    lead = ctx.app.entities["lead"]
    create_record(ctx, lead, {"stage": "hot", "phone": "1"})
    # An option's title is its label, in the reader's language.
    message = refusal(ctx, "lead", {"phone": "1"})
    assert message == "must be unique: lead 'Hot' already has this value"
    assert translate(message, ZH_CN) == "不能重复：线索「热」已使用此值"
    # A record without a title is named by its id (the writer reads it).
    blank = create_record(ctx, lead, {"phone": "2"})
    assert refusal(ctx, "lead", {"phone": "2"}) == (
        f"must be unique: record #{blank['id']} already has this value"
    )
    tag = ctx.app.entities["tag"]
    held = create_record(ctx, tag, {"name": "x"})
    delete_record(ctx, tag, held["id"])
    assert refusal(ctx, "tag", {"name": "x"}) == (
        f"must be unique: record #{held['id']} (in the recycle bin) already has this value"
    )


def test_out_of_scope_hidden_or_masked_is_another_record(ctx: WriteContext) -> None:
    lead = ctx.app.entities["lead"]
    table = lead.table
    create_record(ctx, lead, {"stage": "hot", "phone": "1", "pooled": True})
    create_record(ctx, lead, {"stage": "hot", "phone": "2", "pooled": False})
    taken = "must be unique: another record already has this value"
    titled = "must be unique: lead 'Hot' already has this value"
    # Out of the read scope.
    unpooled = Readable(scope=table.c.pooled.is_not(True))
    assert refusal(ctx, "lead", {"phone": "1"}, readable=unpooled) == taken
    assert refusal(ctx, "lead", {"phone": "2"}, readable=unpooled) == titled
    # The title hidden from the writer.
    hidden = Readable(hidden=frozenset({"stage"}))
    assert refusal(ctx, "lead", {"phone": "2"}, readable=hidden) == taken
    # The title masked on the pooled record only.
    mask = {table: MappingProxyType({"stage": table.c.pooled.is_(True)})}
    masked = Readable(masks=FieldMasks(MappingProxyType(mask)))
    assert refusal(ctx, "lead", {"phone": "1"}, readable=masked) == taken
    assert refusal(ctx, "lead", {"phone": "2"}, readable=masked) == titled
