"""The sandbox's limits hold: each bomb or escape fails fast with a clear TemplateError."""

from __future__ import annotations

import time

import pytest

from engine.templating import TemplateError, check, render

#: No refused template may take longer than this (the time limit is 1 s).
BOUND_S = 3.0


def refused(template: str, **kwargs: object) -> str:
    started = time.monotonic()
    with pytest.raises(TemplateError) as caught:
        render(template, {}, **kwargs)  # type: ignore[arg-type]
    assert time.monotonic() - started < BOUND_S
    return caught.value.message


def test_renders_values_and_blanks_none() -> None:
    out = render(
        "您好 {{ name }}, {{ amount * 2 }}{{ missing }}{{ empty }}!",
        {"name": "张三", "amount": 21, "empty": None},
    )
    assert out == "您好 张三, 42!"


def test_html_mode_escapes_values_and_text_mode_does_not() -> None:
    assert render("<b>{{ v }}</b>", {"v": "<i>"}, html=True) == "<b>&lt;i&gt;</b>"
    assert render("<b>{{ v ~ '!' }}</b>", {"v": "<i>"}, html=True) == "<b>&lt;i&gt;!</b>"
    assert render("{{ v }}", {"v": "<i>"}) == "<i>"


def test_ordinary_formatting_still_works() -> None:
    out = render(
        '{{ "%.2f"|format(n) }} {{ "{:,}".format(5000000) }} {{ n|round(1) }}', {"n": 3.14159}
    )
    assert out == "3.14 5,000,000 3.1"


@pytest.mark.parametrize(
    "template",
    [
        "{{ 9**9**9 }}",  # Jinja2's ** is left-associative: (9**9)**9 is fine and quick
        "{{ (9**9)**9 }}",
    ],
)
def test_a_large_but_bounded_power_is_quick(template: str) -> None:
    started = time.monotonic()
    assert len(render(template, {})) == 78
    assert time.monotonic() - started < BOUND_S


@pytest.mark.parametrize(
    "template",
    [
        "{{ 9**(9**9) }}",
        "{{ 2**100000 }}",
        "{{ 'x' * 10**9 }}",
        "{{ [1] * 10**9 }}",
        "{{ 10**1000 * 10**1000 * 10**1000 * 10**1000 * 10**1000 }}",
        "{% set a = 'x' * 600000 %}{{ a + a }}",
        "{% set a = 'x' * 600000 %}{{ a ~ a }}",
        "{% set a = 'x' * 100000 %}{{ a|replace('x', a) }}",
        "{% set a = 'x' * 100000 %}{{ a.replace('x', a) }}",
        "{{ range(100000)|join('x' * 100000) }}",
        "{{ 'x'.center(10**9) }}",
        "{{ 'x'|center(10**9) }}",
        "{{ 'x'|indent(10**9) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%999999999d'|format(1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ [[1] * 100000] * 100000|sum(start=[]) }}",
    ],
)
def test_size_bombs_are_refused_before_they_run(template: str) -> None:
    message = refused(template)
    assert "not allowed" in message


def test_nested_loops_stop_at_the_time_limit() -> None:
    started = time.monotonic()
    message = refused(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        time_limit_s=0.3,
    )
    assert "longer than 0.3 s" in message
    assert time.monotonic() - started < 1.5


def test_recursion_is_an_error() -> None:
    assert "recurses" in refused("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ joiner.__init__.__globals__['os'] }}",
        "{{ namespace.__init__ }}",
        "{% set x = [] %}{{ x.append(1) }}",
    ],
)
def test_sandbox_escapes_are_refused(template: str) -> None:
    message = refused(template)
    assert "not allowed" in message or "unsafe" in message


def test_output_over_the_cap_is_an_error() -> None:
    assert "longer than 100" in refused(
        "{% for i in range(50) %}abc{% endfor %}", max_output_chars=100
    )
    assert len(render("{% for i in range(50) %}ab{% endfor %}", {}, max_output_chars=100)) == 100


def test_syntax_errors_are_reported_by_check_and_render() -> None:
    assert check("{{ name }}") is None
    problem = check("Hello {{ name")
    assert problem is not None and problem.startswith("line 1:")
    assert refused("{% for %}").startswith("line 1:")
    assert "longer than" in (check("x" * 100_001) or "")


def test_a_template_error_is_a_422_domain_error() -> None:
    with pytest.raises(TemplateError) as caught:
        render("{{ x", {})
    assert caught.value.to_problem().status == 422
