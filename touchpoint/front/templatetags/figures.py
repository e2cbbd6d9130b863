"""Template filters for NPS figures: signed points and p-values as people read them, with
the reader's decimal separator (p = 0,034 in German, 0.034 in English)."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

from touchpoint.lib import nps
from touchpoint.lib.numbers import format_count, format_signed

register = template.Library()


@register.filter
def signed(value: float | None, digits: int = 0) -> str:
    """+12, \u22123 (a true minus sign), 0; an en dash when there is no figure."""
    return format_signed(value, int(digits))


@register.filter
def p_value(value: float) -> str:
    if value < 0.001:
        return f"p < {number_format(0.001, 3)}"
    return f"p = {number_format(value, 3)}"


@register.inclusion_tag("front/_headline.html")
def headline(estimate, size: str = "") -> dict:
    """An NPS as a page shows it: the raw figure with its margin, or, under 10 answers (or
    whenever the raw figure lies outside its interval), the interval as the figure and the raw
    NPS in small print (NPS_STATISTICS.md, *Small units and headlines*)."""
    return {"h": nps.headline(estimate), "e": estimate, "size": size}


@register.filter
def percent0(value: float | None) -> str:
    return "\u2013" if value is None else f"{number_format(round(value * 100), 0)} %"


@register.filter
def count(value: object) -> str:
    """A count a person reads, grouped in the reader's language: 1,111 / 1.111 / 1 111. Never
    for ids, form values, links or data attributes, which stay raw."""
    return format_count(value)
