"""Small filters of the setup pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def delay_words(delay) -> str:
    """A delay as people say it: "48 h", "30 min", "7 days"."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 72 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
