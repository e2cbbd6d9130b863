"""Small filters of the setup pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def delay_words(delay) -> str:
    """A delay as people say it: "48 h", "30 min", "7 days", in the reader's language."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 72 * 60:
        days = minutes // (24 * 60)
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    if minutes % 60 == 0:
        return gettext("%(n)s h") % {"n": minutes // 60}
    return gettext("%(n)s min") % {"n": minutes}
