"""The app definition as typed models: parsed once at the boundary.

The bottom floor of the code: it imports only pydantic and the standard
library, and every other package (the engines, ``builder/``, ``api/``) may
import it (docs/decisions/0006-definition-below-engines.md). Engines read
these models, never raw dicts. Field-type specific options (``precision``,
``options``, ``target``…) are kept as the field's extra properties here and
parsed by the field type's own ``Options`` model (``engine.forms.field_types``),
so that each type owns its options in one place.

One module per section of the definition; this package exports the public
names. The read side of versions (which version of an app is published, and
its definition) is ``engine.definition.versions``: it reads the tenant's store,
so it is the one module here that imports SQLAlchemy, and it is not exported
from this package.
"""

from __future__ import annotations

from engine.definition.actions import (
    ActionBase,
    ActionDef,
    AssignAction,
    ClaimAction,
    ConvertAction,
    ConvertStep,
    Relink,
    ReturnToPoolAction,
    SetFieldsAction,
    TransferAction,
    ValueMap,
    ValueSpec,
)
from engine.definition.app import AppDefinition
from engine.definition.columns import (
    CHILD_ROW_COLUMNS,
    DELETION_COLUMNS,
    ENTITY_COLUMNS,
    RESERVED_APP_KEYS,
    RESERVED_ENTITY_KEYS,
    SYSTEM_FIELDS,
)
from engine.definition.common import (
    MAX_ACTIONS,
    MAX_DEFINITION_BYTES,
    MAX_DEFINITION_DEPTH,
    MAX_ENTITIES,
    MAX_FIELDS,
    MAX_FORMS,
    MAX_HELP_CHARS,
    MAX_INDEX_COLUMNS,
    MAX_INDEXES,
    MAX_LABEL_CHARS,
    MAX_LANGUAGES,
    MAX_OPTION_ITEMS,
    MAX_POOLS,
    MAX_ROLES,
    MAX_SUB_FIELDS,
    MAX_VIEWS,
    HelpText,
    Key,
    Label,
    Strict,
)
from engine.definition.entities import EntityDef
from engine.definition.fields import FieldDef
from engine.definition.forms import FormDef, FormSection
from engine.definition.pools import AutoReturn, PoolAssign, PoolClaim, PoolDef, PoolReturn
from engine.definition.roles import EntityPermission, RoleDef, Scope
from engine.definition.rules import MAX_EFFECTS, MAX_RULES, EffectDef, RuleDef, TriggerDef
from engine.definition.views import KanbanView, TableView, ViewDef, ViewFilter

__all__ = [
    "CHILD_ROW_COLUMNS",
    "DELETION_COLUMNS",
    "ENTITY_COLUMNS",
    "MAX_ACTIONS",
    "MAX_DEFINITION_BYTES",
    "MAX_DEFINITION_DEPTH",
    "MAX_EFFECTS",
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
    "MAX_RULES",
    "MAX_SUB_FIELDS",
    "MAX_VIEWS",
    "RESERVED_APP_KEYS",
    "RESERVED_ENTITY_KEYS",
    "SYSTEM_FIELDS",
    "ActionBase",
    "ActionDef",
    "AppDefinition",
    "AssignAction",
    "AutoReturn",
    "ClaimAction",
    "ConvertAction",
    "ConvertStep",
    "EffectDef",
    "EntityDef",
    "EntityPermission",
    "FieldDef",
    "FormDef",
    "FormSection",
    "HelpText",
    "KanbanView",
    "Key",
    "Label",
    "PoolAssign",
    "PoolClaim",
    "PoolDef",
    "PoolReturn",
    "Relink",
    "ReturnToPoolAction",
    "RoleDef",
    "RuleDef",
    "Scope",
    "SetFieldsAction",
    "Strict",
    "TableView",
    "TransferAction",
    "TriggerDef",
    "ValueMap",
    "ValueSpec",
    "ViewDef",
    "ViewFilter",
]
