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
