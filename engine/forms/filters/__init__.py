"""The filter language of the records list: parse, bind, compile to SQL.

``parse_filter`` turns the ``filter`` query parameter (JSON) into a typed
tree; ``filter_conditions`` binds it to an entity (fields, operators per
kind, operands) and compiles it to SQLAlchemy Core; ``search_condition``
handles ``q`` and ``order_by`` handles ``sort``. The language is documented
for API clients in ``docs/filters.md``.
"""

from engine.forms.filters.catalogue import catalogue
from engine.forms.filters.compiler import (
    BoundCondition,
    BoundGroup,
    BoundNode,
    SqlCompiler,
    bind_filter,
    compile_filter,
    filter_conditions,
)
from engine.forms.filters.kinds import Kind, kind_of
from engine.forms.filters.model import (
    Condition,
    FilterNode,
    Group,
    QueryParamCondition,
    equality_conditions,
    filter_from_json,
    node_json,
    parse_filter,
)
from engine.forms.filters.operators import Operator, operators
from engine.forms.filters.search import search_condition
from engine.forms.filters.sorting import order_by
from engine.forms.filters.targets import LinkedView

__all__ = [
    "BoundCondition",
    "BoundGroup",
    "BoundNode",
    "Condition",
    "FilterNode",
    "Group",
    "Kind",
    "LinkedView",
    "Operator",
    "QueryParamCondition",
    "SqlCompiler",
    "bind_filter",
    "catalogue",
    "compile_filter",
    "equality_conditions",
    "filter_conditions",
    "filter_from_json",
    "kind_of",
    "node_json",
    "operators",
    "order_by",
    "parse_filter",
    "search_condition",
]
