"""``?q=``: full-text-ish search across the entity's searchable text fields.

Each word of the query must appear (ignoring case) in at least one field
whose type is ``searchable``: ``q=acme hangzhou`` finds a customer named
"Acme" whose address line holds "Hangzhou". It is a LIKE scan, fine for the
tens of thousands of rows a tenant's entity holds; a real text index is a
later step (PostgreSQL ``pg_trgm`` or ``tsvector``, SQLite FTS5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, or_

from engine.forms.errors import FieldError, QueryInvalid
from engine.i18n import Message

if TYPE_CHECKING:
    from engine.forms.runtime import EntityRuntime

MAX_QUERY = 200
MAX_WORDS = 8


def search_condition(entity: EntityRuntime, q: str | None) -> ColumnElement[bool] | None:
    """The condition of ``q``, or None when there is nothing to search for."""
    if q is None or not q.strip():
        return None
    if len(q) > MAX_QUERY:
        raise QueryInvalid([FieldError("q", Message("filter.max_chars", max=MAX_QUERY))])
    words = list(dict.fromkeys(q.split()))
    if len(words) > MAX_WORDS:
        raise QueryInvalid([FieldError("q", Message("search.max_words", max=MAX_WORDS))])
    columns: list[ColumnElement[Any]] = [
        entity.table.c[f.key] for f in entity.searchable if f.type.stored
    ]
    if not columns:
        # Nothing can contain the words, so nothing matches.
        return false()
    return and_(*(or_(*(c.icontains(word, autoescape=True) for c in columns)) for word in words))


__all__ = ["search_condition"]
