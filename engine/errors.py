"""The one base of the errors a caller can cause, each carrying its HTTP answer.

An engine raises ``RecordNotFound`` or ``SlotsBusy``; it does not know about
HTTP, but it knows what went wrong, and so what the answer is: a status, a
title, a detail and, when it helps, ``errors`` (``[{field, message, …}]``),
extra members (``current_version``, ``total_errors``…) and ``retry_after``.
Every such error derives from ``DomainError`` and sets ``status`` and
``title`` on its class; ``to_problem()`` gives the problem (RFC 9457) that
``api/problems.py`` renders with its one handler. A new error needs no new
handler, and a route never translates one.

Not domain errors: programming mistakes (a job kind registered twice, an
unknown registry key at start-up) and errors an engine catches itself
(``FieldInvalid`` becomes ``RecordInvalid``). They stay plain exceptions, so
that, escaping, they are a 500 that gets logged.

Standard library only: every engine and ``builder`` import this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

#: The title of each status. Problems are all ``type: about:blank``, so the
#: title is the status' own phrase (RFC 9457 §4.2.1), never a per-error text.
TITLES: Final[Mapping[int, str]] = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
}


@dataclass(frozen=True)
class ProblemDetails:
    """What an answer says, in the order its JSON lists it.

    ``members`` follow ``errors`` in the body; ``retry_after`` (seconds) is
    sent as the ``Retry-After`` header, and is a member only if ``members``
    says so too.
    """

    status: int
    title: str
    detail: str
    errors: list[dict[str, Any]] | None = None
    members: dict[str, Any] = field(default_factory=dict)
    retry_after: int | None = None


class DomainError(Exception):
    """An error of the caller's request that the engines name; see the module.

    Subclasses set ``status`` (400–599) and ``title`` (``TITLES[status]``) on
    the class and keep their own constructors; they override the
    ``problem_*`` methods when the answer says more than ``str(self)``.
    """

    status: int
    title: str
    #: Seconds after which trying again may succeed (429, 503): a header.
    retry_after: int | None = None

    def problem_detail(self) -> str:
        """The ``detail`` member: the message, unless the class says otherwise.

        The message as raised, so a ``engine.i18n.Message`` stays one and the
        API can render it in the reader's language.
        """
        if len(self.args) == 1 and isinstance(self.args[0], str):
            return self.args[0]
        return str(self)

    def problem_errors(self) -> list[dict[str, Any]] | None:
        """The ``errors`` member (``[{field, message, …}]``), or None for none."""
        return None

    def problem_members(self) -> dict[str, Any]:
        """Extra members after ``errors`` (``current_version``, ``total_errors``…)."""
        return {}

    def to_problem(self) -> ProblemDetails:
        return ProblemDetails(
            status=self.status,
            title=self.title,
            detail=self.problem_detail(),
            errors=self.problem_errors(),
            members=self.problem_members(),
            retry_after=self.retry_after,
        )


class NamedMessage(Protocol):
    """A message about one field (``engine.forms.errors.FieldError`` is one)."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...


def problem_body(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The members of an RFC 9457 problem: the one shape every error answer has."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def field_errors(errors: Sequence[NamedMessage]) -> list[dict[str, Any]]:
    """The ``errors`` member of messages about fields: ``[{field, message}]``.

    A message that knows its field's label (``label``: a label in several
    languages, or a ``Message``) carries it too; the API renders it, and the
    message naming it, in the reader's language (``api/problems.py``).
    """
    answer = []
    for e in errors:
        item: dict[str, Any] = {"field": e.field, "message": e.message}
        label = getattr(e, "label", None)
        if label:
            item["label"] = label
        answer.append(item)
    return answer


__all__ = [
    "TITLES",
    "DomainError",
    "NamedMessage",
    "ProblemDetails",
    "field_errors",
    "problem_body",
]
