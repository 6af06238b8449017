"""``render`` and ``check``: a user template, in the sandbox, within limits.

Compiled templates are kept per (source, html) in a bounded cache: a rule
sends the same subject to many recipients.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError

from engine.templating.deadline import TimeUp, deadline
from engine.templating.errors import TemplateError
from engine.templating.guards import environment

#: The longest template source accepted.
MAX_SOURCE_CHARS = 100_000

_TEXT = environment(html=False)
_HTML = environment(html=True)


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> Template:
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateError(f"the template is longer than {MAX_SOURCE_CHARS:,} characters")
    try:
        return (_HTML if html else _TEXT).from_string(source)
    except TemplateSyntaxError as err:
        raise TemplateError(f"line {err.lineno}: {err.message}") from None
    except SecurityError as err:
        raise TemplateError(f"not allowed in a template: {err}") from None


def check(template: str, *, html: bool = False) -> str | None:
    """The reason ``template`` does not compile, or None: for publish-time checks."""
    try:
        _compiled(template, html)
    except TemplateError as err:
        return err.message
    return None


def render(
    template: str,
    values: Mapping[str, Any],
    *,
    time_limit_s: float = 1.0,
    max_output_chars: int = 200_000,
    html: bool = False,
) -> str:
    """``template`` rendered over ``values`` in the sandbox.

    Raises ``TemplateError`` for a syntax error, a sandbox escape, an
    operation that would build something too large, more than
    ``time_limit_s`` seconds of work, or an output over ``max_output_chars``.
    ``html=True`` escapes the values (for HTML bodies). A missing value and
    ``None`` render as nothing.
    """
    compiled = _compiled(template, html)
    chunks: list[str] = []
    size = 0
    try:
        with deadline(time_limit_s):
            for chunk in compiled.generate(dict(values)):
                size += len(chunk)
                if size > max_output_chars:
                    raise TemplateError(
                        f"the output is longer than {max_output_chars:,} characters"
                    )
                chunks.append(chunk)
    except TemplateError:
        raise
    except TimeUp:
        raise TemplateError(f"the template ran longer than {time_limit_s:g} s") from None
    except SecurityError as err:
        raise TemplateError(f"not allowed in a template: {err}") from None
    except UndefinedError as err:
        raise TemplateError(f"undefined: {err}") from None
    except RecursionError:
        raise TemplateError("the template recurses too deeply") from None
    except MemoryError:
        raise TemplateError("the template needs too much memory") from None
    except Exception as err:  # any error of the user's template is the template's error
        raise TemplateError(f"the template failed: {err.__class__.__name__}: {err}") from None
    return "".join(chunks)


__all__ = ["MAX_SOURCE_CHARS", "check", "render"]
