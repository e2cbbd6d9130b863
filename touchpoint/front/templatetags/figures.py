"""Template filters for NPS figures: signed points and p-values as people read them."""

from __future__ import annotations

from django import template

from touchpoint.lib import nps

register = template.Library()


@register.filter
def signed(value: float | None, digits: int = 0) -> str:
    """+12, \u22123 (a true minus sign), 0; an en dash when there is no figure."""
    if value is None:
        return "\u2013"
    text = f"{abs(value):.{int(digits)}f}"
    if float(text) == 0:
        return text
    return f"+{text}" if value > 0 else f"\u2212{text}"


@register.filter
def p_value(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


@register.inclusion_tag("front/_headline.html")
def headline(estimate, size: str = "") -> dict:
    """An NPS as a page shows it: the raw figure with its margin, or, under 10 answers (or
    whenever the raw figure lies outside its interval), the interval as the figure and the raw
    NPS in small print (NPS_STATISTICS.md, *Small units and headlines*)."""
    return {"h": nps.headline(estimate), "e": estimate, "size": size}


@register.filter
def percent0(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f} %"
