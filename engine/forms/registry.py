"""The field-type registry: every type the definition may name, registered once."""

from __future__ import annotations

from engine.forms.field_types.address import AddressType
from engine.forms.field_types.attachment import AttachmentType
from engine.forms.field_types.autonumber import AutonumberType
from engine.forms.field_types.base import FieldType
from engine.forms.field_types.boolean import BooleanType
from engine.forms.field_types.currency import CurrencyType
from engine.forms.field_types.date import DateType
from engine.forms.field_types.datetime import DatetimeType
from engine.forms.field_types.email import EmailType
from engine.forms.field_types.formula import FormulaType
from engine.forms.field_types.link import LinkType
from engine.forms.field_types.multiselect import MultiselectType
from engine.forms.field_types.number import NumberType
from engine.forms.field_types.percent import PercentType
from engine.forms.field_types.phone import PhoneType
from engine.forms.field_types.rollup import RollupType
from engine.forms.field_types.select import SelectType
from engine.forms.field_types.subtable import SubtableType
from engine.forms.field_types.text import TextType
from engine.forms.field_types.textarea import TextareaType
from engine.forms.field_types.user import UserType
from engine.registry import Registry

field_types: Registry[FieldType] = Registry("field type")

BUILTINS: tuple[type[FieldType], ...] = (
    TextType,
    TextareaType,
    NumberType,
    CurrencyType,
    PercentType,
    DateType,
    DatetimeType,
    BooleanType,
    SelectType,
    MultiselectType,
    EmailType,
    PhoneType,
    UserType,
    LinkType,
    AutonumberType,
    AddressType,
    FormulaType,
    RollupType,
    SubtableType,
    AttachmentType,
)


def register_builtins() -> None:
    for cls in BUILTINS:
        field_types.register(cls.key, cls())


register_builtins()
