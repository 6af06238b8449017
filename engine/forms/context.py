"""What a read or a write of records carries along: passed explicitly, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from engine.expressions import EvalContext

if TYPE_CHECKING:
    from engine.forms.runtime import AppRuntime


@dataclass
class ReadContext:
    conn: Connection
    app: AppRuntime
    #: The entity being read or written.
    entity_key: str


@dataclass
class WriteContext(ReadContext):
    user_id: int | None
    now: datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def eval_context(self) -> EvalContext:
        return EvalContext(user_id=self.user_id, now=self.now, tz=self.tz)
