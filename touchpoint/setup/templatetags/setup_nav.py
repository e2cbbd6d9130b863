"""`{{ user|may_set_up }}`: whether to show the Setup link (an account admin)."""

from __future__ import annotations

from django import template

from touchpoint.accounts.models import Membership

register = template.Library()


@register.filter
def may_set_up(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(user=user, role=Membership.Role.ADMIN, unit__depth=0).exists()


@register.filter
def delay_words(delay) -> str:
    """A delay as people say it: "48 h", "30 min", "7 days"."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 72 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"
