"""Who may see what: every read of tenant data by a person goes through these helpers.

A membership on a unit gives its holder that unit and every unit below it, in that unit's
account only. A row outside that scope does not exist for them: 404, never 403.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def identity_paths(user) -> list[str]:
    """The subtrees where a person may see who a customer is: those they hold with a role
    above frontline. Frontline people see their results, never a customer's identity."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .exclude(role=Membership.Role.FRONTLINE)
        .values_list("unit__path", flat=True)
    )


def sees_identity(paths: Sequence[str], unit_path: str) -> bool:
    """Whether a row at `unit_path` may show its customer, given `identity_paths(user)`."""
    return any(unit_path.startswith(path) for path in paths)


def access_unit(user, unit_id: int) -> Unit:
    """The unit if the user may see it, else 404 (whether or not it exists)."""
    unit = scoped_units(user).filter(pk=unit_id).select_related("account").first()
    if unit is None:
        raise Http404("No such unit.")
    return unit


def api_key_units(api_key) -> QuerySet[Unit]:
    """The units an API key may read: its unit's subtree, or its whole account."""
    units = Unit.objects.filter(account_id=api_key.account_id)
    if api_key.unit_id is not None:
        units = units.filter(path__startswith=api_key.unit.path)
    return units


def key_paths_q(api_key, field: str = "unit_path") -> Q:
    """A filter on rows of the key's account whose `field` path lies under the key's unit (the
    whole account for an account-wide key). The one scope rule for keys' reads and writes."""
    q = Q(account_id=api_key.account_id)
    if api_key.unit_id is not None:
        q &= Q(**{f"{field}__startswith": api_key.unit.path})
    return q


def key_covers(api_key, unit: Unit) -> bool:
    """Whether the key may read and write at `unit` (its subtree, or its whole account)."""
    if unit.account_id != api_key.account_id:
        return False
    return api_key.unit_id is None or unit.path.startswith(api_key.unit.path)


def access_unit_for_key(api_key, code: str | None) -> Unit:
    """The unit with this code if the key may read it, else 404. Without a code: the key's
    unit, or the account's brand when the account has exactly one."""
    units = api_key_units(api_key).select_related("account")
    if code:
        unit = units.filter(code=code).first()
    elif api_key.unit_id is not None:
        unit = units.filter(pk=api_key.unit_id).first()
    else:
        roots = list(units.filter(depth=0)[:2])
        unit = roots[0] if len(roots) == 1 else None
    if unit is None:
        raise Http404("No such unit.")
    return unit
