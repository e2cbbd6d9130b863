from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def duration(value) -> str:
    """A timedelta the way people say it: "45 min", "5 h 20 min", "2 d 3 h"."""
    if not isinstance(value, dt.timedelta):
        return value
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def percent(value) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f}%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
