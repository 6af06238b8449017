"""What every section of the definition shares: the strict base model, keys,
labels in several languages, and the bounds that keep a definition within
what the database and one request can hold.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# -- bounds of a definition ------------------------------------------------------------
# Every definition reaches the database as tables and columns, so it is bounded
# before it gets there: PostgreSQL allows at most 1,600 columns per table (archived
# columns of removed fields count too) and 32 columns per index, SQLite 2,000
# columns; a huge label or option list only costs memory on every request that
# loads the runtime. Checked by ``builder.validate.load_definition``.
#: Entities in one app (each is a table).
MAX_ENTITIES = 100
#: Fields of one entity, sub-tables included (each stored field is a column).
MAX_FIELDS = 300
#: Fields of one sub-table (columns of its child table).
MAX_SUB_FIELDS = 100
#: Items of any list among a field's type options (a select's choices…).
MAX_OPTION_ITEMS = 1_000
#: Characters of one label in one language, and of one help text.
MAX_LABEL_CHARS = 200
MAX_HELP_CHARS = 2_000
#: Languages of one label.
MAX_LANGUAGES = 20
#: Extra indexes of one entity, and columns of one index (PostgreSQL: 32).
MAX_INDEXES = 20
MAX_INDEX_COLUMNS = 8
#: Forms, views, roles, record actions and pools of one app.
MAX_FORMS = 200
MAX_VIEWS = 200
MAX_ROLES = 100
MAX_ACTIONS = 200
MAX_POOLS = 50
#: The definition as JSON: bytes, and how deep objects and lists nest.
MAX_DEFINITION_BYTES = 2_000_000
MAX_DEFINITION_DEPTH = 64

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
_Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
#: A text in several languages: {"zh-CN": "客户", "en": "Customer"}.
Label = Annotated[
    dict[_Language, Annotated[str, StringConstraints(max_length=MAX_LABEL_CHARS)]],
    Field(max_length=MAX_LANGUAGES),
]
#: A longer text in several languages (a field's help).
HelpText = Annotated[
    dict[_Language, Annotated[str, StringConstraints(max_length=MAX_HELP_CHARS)]],
    Field(max_length=MAX_LANGUAGES),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


__all__ = [
    "MAX_ACTIONS",
    "MAX_DEFINITION_BYTES",
    "MAX_DEFINITION_DEPTH",
    "MAX_ENTITIES",
    "MAX_FIELDS",
    "MAX_FORMS",
    "MAX_HELP_CHARS",
    "MAX_INDEXES",
    "MAX_INDEX_COLUMNS",
    "MAX_LABEL_CHARS",
    "MAX_LANGUAGES",
    "MAX_OPTION_ITEMS",
    "MAX_POOLS",
    "MAX_ROLES",
    "MAX_SUB_FIELDS",
    "MAX_VIEWS",
    "HelpText",
    "Key",
    "Label",
    "Strict",
]
