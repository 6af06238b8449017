"""Filter operators: one registered class each.

An operator checks its operand against the target (``operand``) and builds
the SQL condition (``to_sql``). Which operators a field allows is decided by
its kind (``kinds.py``), not here.

Blank values follow what a person means, not SQL's three-valued logic:
``ne`` and ``not_in`` also match records where the field is blank ("stage is
not won" includes deals without a stage), every other operator except
``is_empty`` never matches a blank. ``matches_blank`` says which, so a
condition on a linked field can keep records whose link itself is blank.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, exists, func, or_, type_coerce
from sqlalchemy.dialects import postgresql

from engine.definition import Label
from engine.forms.errors import FieldInvalid
from engine.forms.filters.kinds import ArrayKind
from engine.forms.filters.targets import Target
from engine.i18n import Message
from engine.registry import Registry

#: Most values one ``in``/``not_in``/``contains`` list may hold.
MAX_LIST = 500
#: Longest ``contains``/``starts_with`` search term.
MAX_TERM = 255


class OperandInvalid(FieldInvalid):
    """The operand is wrong; ``at`` narrows the path (``[1]`` for a list item)."""

    def __init__(self, message: str, at: str = "") -> None:
        super().__init__(message)
        self.at = at


class Operator(ABC):
    key: ClassVar[str]
    label: ClassVar[Label]
    #: What ``value`` holds, for the docs and the catalogue.
    operand_shape: ClassVar[str]

    @abstractmethod
    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        """Check and coerce the operand; raise ``OperandInvalid``/``FieldInvalid``."""

    @abstractmethod
    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        """The condition on ``target.column`` (SQLAlchemy Core, no raw SQL)."""

    def matches_blank(self, value: Any) -> bool:
        """Whether a record whose value is blank satisfies the condition."""
        return False

    def describe(self) -> dict[str, Any]:
        return {"op": self.key, "label": self.label, "value": self.operand_shape}


def _required(raw: Any) -> Any:
    if raw is None:
        raise OperandInvalid(Message("filter.operand_required"))
    return raw


def _items(raw: Any, size: int | None = None) -> Sequence[Any]:
    if not isinstance(raw, list) or not raw:
        raise OperandInvalid(Message("filter.nonempty_list"))
    if size is not None and len(raw) != size:
        raise OperandInvalid(Message("filter.list_of", size=size))
    if len(raw) > MAX_LIST:
        raise OperandInvalid(Message("filter.max_values", max=MAX_LIST))
    return raw


def _each(raw: Sequence[Any], coerce: Callable[[Any], Any], unique: bool = True) -> list[Any]:
    values = []
    for i, item in enumerate(raw):
        try:
            values.append(coerce(_required(item)))
        except FieldInvalid as err:
            raise OperandInvalid(err.message, f"[{i}]") from None
    return list(dict.fromkeys(values)) if unique else values


class Eq(Operator):
    key = "eq"
    label = {"zh-CN": "等于", "en": "is"}
    operand_shape = "one value"

    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        return target.exact(_required(raw), query_text)

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = target.column == value
        return condition


class Ne(Eq):
    key = "ne"
    label = {"zh-CN": "不等于", "en": "is not"}

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        return or_(target.column != value, target.column.is_(None))

    def matches_blank(self, value: Any) -> bool:
        return True


class Lt(Operator):
    key = "lt"
    label = {"zh-CN": "小于", "en": "less than"}
    operand_shape = "one value"

    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        return target.operand(_required(raw))

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = target.column < value
        return condition


class Lte(Lt):
    key = "lte"
    label = {"zh-CN": "小于等于", "en": "at most"}

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = target.column <= value
        return condition


class Gt(Lt):
    key = "gt"
    label = {"zh-CN": "大于", "en": "greater than"}

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = target.column > value
        return condition


class Gte(Lt):
    key = "gte"
    label = {"zh-CN": "大于等于", "en": "at least"}

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = target.column >= value
        return condition


class Between(Operator):
    """Both bounds included, as people read "between 1 and 10"."""

    key = "between"
    label = {"zh-CN": "介于", "en": "between"}
    operand_shape = "[low, high], both included"

    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        low, high = _each(_items(raw, 2), target.operand, unique=False)
        if low > high:
            raise OperandInvalid(Message("filter.between_order"))
        return (low, high)

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        low, high = value
        return target.column.between(low, high)


class In(Operator):
    key = "in"
    label = {"zh-CN": "属于", "en": "is any of"}
    operand_shape = "a list of values"

    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        return _each(_items(raw), lambda item: target.exact(item, False))

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = target.column.in_(value)
        return condition


class NotIn(In):
    key = "not_in"
    label = {"zh-CN": "不属于", "en": "is none of"}

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        return or_(target.column.not_in(value), target.column.is_(None))

    def matches_blank(self, value: Any) -> bool:
        return True


def json_array_has_any(
    column: ColumnElement[Any], values: Sequence[Any], dialect: str
) -> ColumnElement[bool]:
    """True where the JSON array in ``column`` holds at least one of ``values``.

    PostgreSQL: JSONB ``?|`` for text elements, ``@>`` per value for numbers
    (``?|`` matches strings only); a GIN index can serve both. SQLite:
    ``EXISTS`` over ``json_each``, the table-valued function of its JSON1.
    """
    if dialect == "postgresql":
        array = type_coerce(column, postgresql.JSONB)
        if all(isinstance(v, str) for v in values):
            has_any: ColumnElement[bool] = array.has_any(postgresql.array(values))
            return has_any
        return or_(*(array.contains(func.jsonb_build_array(v)) for v in values))
    if dialect == "sqlite":
        item = func.json_each(column).table_valued("value")
        return exists().select_from(item).where(item.c.value.in_(values))
    raise ValueError(f"no JSON array filter for the {dialect} dialect")


class Contains(Operator):
    """Text: contains the term, ignoring case. Arrays (multiple choices, tags,
    users): hold at least one of the values."""

    key = "contains"
    label = {"zh-CN": "包含", "en": "contains"}
    operand_shape = "text; for arrays a value or a list of values (any of)"

    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        if isinstance(target.kind, ArrayKind):
            if query_text and isinstance(raw, str):
                raw = target.kind.from_text(raw)
            items = [raw] if isinstance(raw, str) else _items(_required(raw))
            return _each(items, target.operand)
        term = target.operand(_required(raw))
        if not term:
            raise OperandInvalid(Message("filter.not_empty"))
        if len(term) > MAX_TERM:
            raise OperandInvalid(Message("filter.max_chars", max=MAX_TERM))
        return term

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        if isinstance(target.kind, ArrayKind):
            return json_array_has_any(target.column, value, dialect)
        # lower() LIKE on SQLite, ILIKE on PostgreSQL; % and _ in the term are literal.
        return target.column.icontains(value, autoescape=True)


class StartsWith(Contains):
    key = "starts_with"
    label = {"zh-CN": "开头是", "en": "starts with"}
    operand_shape = "text"

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        return target.column.istartswith(value, autoescape=True)


class IsEmpty(Operator):
    """``true`` (or no value): the field is blank; ``false``: it has a value."""

    key = "is_empty"
    label = {"zh-CN": "为空", "en": "is empty"}
    operand_shape = "true (the default) or false"

    def operand(self, raw: Any, target: Target, query_text: bool) -> Any:
        if query_text and isinstance(raw, str):
            raw = {"": True, "true": True, "false": False}.get(raw.lower(), raw)
        if raw is None:
            return True
        if not isinstance(raw, bool):
            raise OperandInvalid(Message("filter.is_empty_flag"))
        return raw

    def to_sql(self, target: Target, value: Any, dialect: str) -> ColumnElement[bool]:
        return target.kind.blank(target.column) if value else target.kind.present(target.column)

    def matches_blank(self, value: Any) -> bool:
        return bool(value)


operators: Registry[Operator] = Registry("filter operator")

BUILTINS: tuple[type[Operator], ...] = (
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    Contains,
    StartsWith,
    IsEmpty,
)


def register_builtins() -> None:
    for cls in BUILTINS:
        operators.register(cls.key, cls())


register_builtins()

__all__ = ["BUILTINS", "OperandInvalid", "Operator", "json_array_has_any", "operators"]
