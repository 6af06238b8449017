"""The one error of a user template: it does not compile, or it broke a limit."""

from __future__ import annotations

from engine.errors import DomainError


class TemplateError(DomainError):
    """A template that cannot be rendered: a syntax error, a sandbox escape,
    a size or time limit. The message says which, for the author's eyes."""

    status = 422
    title = "Invalid input"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


__all__ = ["TemplateError"]
