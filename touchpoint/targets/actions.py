"""Setting and reading targets. `do_*` change state, `check_*` validate (a TargetError names
the field at fault and nothing changes), `target_for` / `targets_for` read."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext

from touchpoint.accounts.models import Account, Unit
from touchpoint.targets.models import Target


class TargetError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_target_value(value: object) -> int:
    """A whole number from -100 to 100 (a string from a form is read as one)."""
    if isinstance(value, bool):
        raise TargetError("nps", gettext("must be a whole number from -100 to 100"))
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise TargetError(
                "nps",
                gettext("{value} is not a whole number from -100 to 100").format(value=repr(value)),
            )
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not -100 <= value <= 100:
        raise TargetError("nps", gettext("must be a whole number from -100 to 100"))
    return value


def check_kind(kind: str) -> str:
    if kind not in Unit.Kind.values:
        raise TargetError(
            "kind", gettext("must be one of {kinds}").format(kinds=", ".join(Unit.Kind.values))
        )
    return kind


@transaction.atomic
def do_set_target(
    *, account: Account, nps: object, unit: Unit | None = None, kind: str = "", actor=None
) -> Target:
    """Set (or replace) the target of a unit, or of every unit of a kind."""
    value = check_target_value(nps)
    if (unit is None) == (not kind):
        raise TargetError("unit", "give either a unit or a kind of unit")
    if unit is not None and unit.account_id != account.pk:
        raise TargetError("unit", "is not a unit of this account")
    if kind:
        check_kind(kind)
    user = actor if getattr(actor, "is_authenticated", False) else None
    target, _ = Target.objects.update_or_create(
        account=account,
        unit=unit,
        kind="" if unit is not None else kind,
        defaults={"nps": value, "updated_by": user},
    )
    return target


@transaction.atomic
def do_clear_target(*, account: Account, unit: Unit | None = None, kind: str = "") -> bool:
    if (unit is None) == (not kind):
        raise TargetError("unit", "give either a unit or a kind of unit")
    found = Target.objects.filter(account=account, unit=unit, kind="" if unit else kind)
    return found.delete()[0] > 0


def targets_for(units: Iterable[Unit]) -> dict[int, Target]:
    """Each unit's target (its own, else its kind's), for those that have one; two queries."""
    units = list(units)
    if not units:
        return {}
    accounts = {u.account_id for u in units}
    rows = list(
        Target.objects.filter(account_id__in=accounts).filter(unit__in=[u.pk for u in units])
    ) + list(
        Target.objects.filter(account_id__in=accounts, unit__isnull=True).filter(
            kind__in={u.kind for u in units}
        )
    )
    own = {t.unit_id: t for t in rows if t.unit_id}
    by_kind = {(t.account_id, t.kind): t for t in rows if not t.unit_id}
    out = {}
    for unit in units:
        found = own.get(unit.pk) or by_kind.get((unit.account_id, unit.kind))
        if found is not None:
            out[unit.pk] = found
    return out


def target_for(unit: Unit) -> Target | None:
    return targets_for([unit]).get(unit.pk)


def account_targets(account_id: int) -> list[Target]:
    return list(
        Target.objects.filter(account_id=account_id)
        .select_related("unit")
        .order_by("unit__path", "kind")
    )
