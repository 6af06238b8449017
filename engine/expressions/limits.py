"""Hard limits of the expression language (documented in docs/expressions.md).

They bound the work one expression can cause: the parser only ever sees
``MAX_SOURCE_LENGTH`` characters, the compiled tree has at most ``MAX_NODES``
nodes and ``MAX_DEPTH`` levels, and the operators that can grow a value
(``*``, ``**``, ``+`` on text, text functions) check the size before they
build the result.
"""

from __future__ import annotations

MAX_SOURCE_LENGTH = 2_000
"""Characters of source text."""

MAX_NODES = 500
"""Syntax-tree nodes (names, literals, operators, calls, …)."""

MAX_DEPTH = 50
"""Nesting levels of the syntax tree."""

MAX_EXPONENT = 100
"""Largest absolute exponent of ``**`` and ``POWER``."""

MAX_INT_BITS = 1_024
"""Largest whole number an operator may produce (about 1.8e308, like a float)."""

MAX_STRING_LENGTH = 100_000
"""Characters of any text an expression builds."""

MAX_FORMAT_LENGTH = 100
"""Characters of a ``TEXT`` format pattern."""
