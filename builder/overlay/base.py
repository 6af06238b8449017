"""What every kind of overlay change is, and what applying one can end in.

A change is a small frozen Pydantic model (``kind`` is its discriminator)
with ``apply(doc, keep)``: it edits the definition document and says how
that went — applied, already there (``redundant``), or a ``conflict`` with
the template it is applied on. It never guesses: when the template changed
the very thing the tenant changed (``was`` is what the tenant's change found),
or no longer has what the change addresses, the change stops with a conflict
that a person resolves (``keep`` the tenant's version, or ``drop`` it).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from builder.overlay.document import Document
from engine.errors import DomainError

#: A field of an entity (``source``) or of one of its sub-tables (``items.qty``).
FieldPath = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39})?$")
]
#: A property name of a definition object (``required``, ``visible_when``, ``precision``…).
PropertyName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]

Resolution = Literal["keep", "drop"]
Status = Literal["applied", "kept", "redundant", "dropped", "conflict"]


class OverlayError(DomainError, ValueError):
    """An overlay (or a resolution of its conflicts) that cannot be used as given (409)."""

    status = 409
    title = "Conflict"


@dataclass(frozen=True)
class Outcome:
    """How applying one change went; ``message`` says why for anything but a plain apply."""

    status: Status
    message: str | None = None
    #: For conflicts: ``missing_target``, ``changed_in_template``, ``exists_in_template``…
    code: str | None = None
    #: For conflicts: whether ``keep`` can resolve it (else only ``drop``).
    can_keep: bool = False


def applied(note: str | None = None) -> Outcome:
    return Outcome("applied", note)


def redundant(message: str) -> Outcome:
    return Outcome("redundant", message)


def conflict(code: str, message: str, can_keep: bool = False) -> Outcome:
    return Outcome("conflict", message, code, can_keep)


def missing(what: str) -> Outcome:
    return conflict("missing_target", f"the template no longer has {what}")


@dataclass(frozen=True)
class Conflict:
    """A change that cannot be applied as it is; nothing is guessed in its place."""

    #: The change (its ``ref``), or None for a problem of the resulting definition.
    ref: str | None
    path: str
    code: str
    message: str
    resolutions: tuple[Resolution, ...] = ("drop",)
    #: For problems of the result: the changes that touch the same place.
    related: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "resolutions": list(self.resolutions),
            "related": list(self.related),
        }


@dataclass(frozen=True)
class Note:
    """Something applying the overlay did that its owner should know (never blocking)."""

    ref: str
    path: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "path": self.path, "message": self.message}


class Change(BaseModel):
    """One customisation of a definition: typed, addressed by keys, applied in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str

    @property
    @abstractmethod
    def target(self) -> str:
        """Where the change applies, as people read it: ``lead.source``, ``view:lead.all``."""

    @property
    def ref(self) -> str:
        """The change's name in conflict reports and resolutions: ``kind:target``."""
        return f"{self.kind}:{self.target}"

    @abstractmethod
    def describe(self) -> str:
        """What the change does, in one sentence."""

    @abstractmethod
    def apply(self, doc: Document, keep: bool) -> Outcome:
        """Edit ``doc``; with ``keep``, the tenant's version wins a resolvable conflict."""

    def touches(self, entity: str, field: str | None) -> bool:
        """Whether the change is about this entity (and field), to explain a bad result."""
        mine = getattr(self, "entity", None)
        if mine != entity:
            return False
        own = getattr(self, "field", None)
        if field is None or not isinstance(own, str):
            return True
        return own.split(".")[0] == field

    def to_json(self) -> dict[str, Any]:
        # Unset fields stay out: a missing ``was`` means "not recorded", not "was empty".
        return {"kind": self.kind, **self.model_dump(mode="json", exclude_unset=True)}


def three_way(current: Any, value: Any, was: Any, was_known: bool, keep: bool) -> Outcome | None:
    """Decide a change of one value: None or ``kept`` mean "apply it".

    The tenant changed ``was`` into ``value``; the template it now applies on
    has ``current``. Same as the tenant's value: nothing to do. Unchanged by the
    template (or ``was`` unknown): apply. Changed by both, differently: a
    conflict, unless the tenant chose to ``keep`` theirs.
    """
    if current == value:
        return redundant("the template has the same value now")
    if not was_known or current == was:
        return None
    both = f"the template changed it too (from {_short(was)} to {_short(current)})"
    if keep:
        return Outcome("kept", f"{both}; the tenant's value is kept")
    return conflict(
        "changed_in_template",
        f"{both}; the tenant's value is {_short(value)}",
        can_keep=True,
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
