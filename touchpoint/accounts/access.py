"""Who may see what: every read of tenant data by a person goes through these helpers.

A membership on a unit gives its holder that unit and every unit below it, in that unit's
account only. A row outside that scope does not exist for them: 404, never 403.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from touchpoint.accounts.models import Membership, Unit


def top_units(user) -> list[Unit]:
    """The units a user holds, without those already inside another one they hold."""
    if not user.is_authenticated:
        return []
    held = sorted(
        (m.unit for m in Membership.objects.filter(user=user).select_related("unit__account")),
        key=lambda unit: unit.path,
    )
    top: list[Unit] = []
    for unit in held:
        if not any(unit.path.startswith(kept.path) for kept in top):
            top.append(unit)
    return top


def paths_q(units: list[Unit], field: str = "path") -> Q:
    """A filter matching rows whose `field` path lies in any of the units' subtrees."""
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(account_id=unit.account_id, **{f"{field}__startswith": unit.path})
    return q


def scoped_units(user) -> QuerySet[Unit]:
    return Unit.objects.filter(paths_q(top_units(user)))


def access_unit(user, unit_id: int) -> Unit:
    """The unit if the user may see it, else 404 (whether or not it exists)."""
    unit = scoped_units(user).filter(pk=unit_id).select_related("account").first()
    if unit is None:
        raise Http404("No such unit.")
    return unit
