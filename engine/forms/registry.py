"""The field-type registry: every type the definition may name, registered once."""

from __future__ import annotations

from engine.forms.field_types.address import AddressType
from engine.forms.field_types.attachment import AttachmentType
from engine.forms.field_types.autonumber import AutonumberType
from engine.forms.field_types.base import FieldType
from engine.forms.field_types.boolean import BooleanType
from engine.forms.field_types.cascade import CascadeType
from engine.forms.field_types.currency import CurrencyType
from engine.forms.field_types.date import DateType
from engine.forms.field_types.datetime import DatetimeType
from engine.forms.field_types.department import DepartmentType
from engine.forms.field_types.email import EmailType
from engine.forms.field_types.formula import FormulaType
from engine.forms.field_types.id_number import IdNumberType
from engine.forms.field_types.image import ImageType
from engine.forms.field_types.link import LinkType
from engine.forms.field_types.links import LinksType
from engine.forms.field_types.location import LocationType
from engine.forms.field_types.lookup import LookupType
from engine.forms.field_types.multiselect import MultiselectType
from engine.forms.field_types.number import NumberType
from engine.forms.field_types.percent import PercentType
from engine.forms.field_types.phone import PhoneType
from engine.forms.field_types.rating import RatingType
from engine.forms.field_types.richtext import RichtextType
from engine.forms.field_types.rollup import RollupType
from engine.forms.field_types.select import SelectType
from engine.forms.field_types.signature import SignatureType
from engine.forms.field_types.subtable import SubtableType
from engine.forms.field_types.tags import TagsType
from engine.forms.field_types.text import TextType
from engine.forms.field_types.textarea import TextareaType
from engine.forms.field_types.time import TimeType
from engine.forms.field_types.url import UrlType
from engine.forms.field_types.user import UserType
from engine.forms.field_types.users import UsersType
from engine.registry import Registry

field_types: Registry[FieldType] = Registry("field type")

BUILTINS: tuple[type[FieldType], ...] = (
    TextType,
    TextareaType,
    RichtextType,
    NumberType,
    CurrencyType,
    PercentType,
    RatingType,
    DateType,
    DatetimeType,
    TimeType,
    BooleanType,
    SelectType,
    MultiselectType,
    CascadeType,
    TagsType,
    EmailType,
    PhoneType,
    UrlType,
    IdNumberType,
    UserType,
    UsersType,
    DepartmentType,
    LinkType,
    LinksType,
    LookupType,
    AutonumberType,
    AddressType,
    LocationType,
    FormulaType,
    RollupType,
    SubtableType,
    AttachmentType,
    ImageType,
    SignatureType,
)


def register_builtins() -> None:
    for cls in BUILTINS:
        field_types.register(cls.key, cls())


register_builtins()
