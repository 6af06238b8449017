"""What a read or a write of records carries along: passed explicitly, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from engine.expressions import EvalContext

if TYPE_CHECKING:
    from engine.forms.field_types.base import BoundField
    from engine.forms.runtime import AppRuntime


@dataclass
class ReadContext:
    conn: Connection
    app: AppRuntime
    #: The entity being read or written.
    entity_key: str
    #: Titles of referenced keys learnt while checking references, per field
    #: (``References.resolve``), so answering a write needs no second lookup.
    titles: dict[BoundField, dict[Any, Any]] = field(default_factory=dict, kw_only=True)


@dataclass
class WriteContext(ReadContext):
    user_id: int | None
    now: datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    #: Values of expression defaults (``=CURRENT_USER()``): they read no field,
    #: only this context, so one evaluation serves every record of a batch.
    defaults: dict[BoundField, Any] = field(default_factory=dict, kw_only=True)

    def eval_context(self) -> EvalContext:
        return EvalContext(user_id=self.user_id, now=self.now, tz=self.tz)
