"""User templates (message subjects and bodies now, print layouts later).

``render(template, values, time_limit_s=, max_output_chars=, html=)`` renders
in Jinja2's immutable sandbox with limits that hold: operations that would
build huge strings or numbers are refused before they run, pure-Python
loops stop at the time limit, and the output is capped. ``check(template)``
is the syntax check for publish time. Every failure is a ``TemplateError``
(422) with a message for the template's author.
"""

from engine.templating.errors import TemplateError
from engine.templating.rendering import check, render

__all__ = ["TemplateError", "check", "render"]
