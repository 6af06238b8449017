"""The forms engine's authoring contract: what ``builder/`` needs beyond the façade.

Publishing a definition plans tables and checks the draft before any record
is written; that needs a few things no runtime caller does, so they live
here rather than widening ``engine.forms`` for everyone. Only ``builder/``
(and the forms engine itself) imports this module; ``tests/test_architecture.py``
holds every other package to the façade.

* **Physical names**: ``entity_table_name``, ``child_table_name`` and
  ``physical_name`` (indexes, constraints) — the names the runtime binds its
  tables to, so a planned table is the one records are later written to.
* **Checking a draft**: ``DefinitionContext`` (what a field type sees when it
  checks its options), ``computation_order`` (computed fields in dependency
  order; a cycle raises) and ``check_view_filters`` (every view's filter bound
  as a request would bind it).
* **Backfilling**: ``compute`` runs an entity's computed fields over a row's
  values, as a write does, for rows written before a formula existed.
"""

from engine.forms.field_types.base import DefinitionContext
from engine.forms.naming import child_table_name, entity_table_name, physical_name
from engine.forms.runtime import computation_order
from engine.forms.validation import compute
from engine.forms.views import check_view_filters

__all__ = [
    "DefinitionContext",
    "check_view_filters",
    "child_table_name",
    "computation_order",
    "compute",
    "entity_table_name",
    "physical_name",
]
