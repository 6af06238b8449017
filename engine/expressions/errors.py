"""The one exception type of the expression language."""

from __future__ import annotations


class ExpressionError(Exception):
    """A formula or condition that cannot be compiled or evaluated.

    ``message`` is meant for the person who wrote the expression (the builder
    shows it next to the field); ``position`` is the 0-based character offset
    in the source text as the caller passed it (including a leading ``=``),
    when it is known.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at character {position})")


class ExpressionLimitError(ExpressionError):
    """A resource limit was hit (length, size, depth, power, string size).

    Limit errors are never swallowed by ``IFERROR``: they protect the server.
    """
