"""Actions on accounts, units and API keys: the only code that changes them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from touchpoint.accounts.models import Account, ApiKey, Unit

API_KEY_PREFIX = "tpk_"


class TreeError(ValueError):
    """A change that would break the organisation tree."""


@transaction.atomic
def do_create_unit(
    *,
    account: Account,
    kind: str,
    code: str,
    name: str,
    parent: Unit | None = None,
    time_zone: str = "",
) -> Unit:
    check_parent(account=account, kind=kind, parent=parent)
    unit = Unit.objects.create(
        account=account,
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        time_zone=time_zone,
        depth=0 if parent is None else parent.depth + 1,
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


def check_parent(
    *, account: Account, kind: str, parent: Unit | None, unit: Unit | None = None
) -> None:
    if parent is None:
        if kind != Unit.Kind.BRAND:
            raise TreeError("Only a brand can be the root of the organisation tree.")
        return
    if parent.account_id != account.pk:
        raise TreeError("A unit's parent must belong to the same account.")
    if kind == Unit.Kind.BRAND:
        raise TreeError("A brand is the root of its tree and cannot have a parent.")
    if unit is not None and unit.pk and parent.path.startswith(unit.path):
        raise TreeError("A unit cannot be moved under itself or one of its descendants.")


@transaction.atomic
def do_move_unit(*, unit: Unit, new_parent: Unit) -> None:
    """Re-parent a unit and rewrite the materialised path of its whole subtree.

    Past responses keep the attribution snapshot they were given; only new answers follow the
    new tree.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_parent(account=unit.account, kind=unit.kind, parent=new_parent, unit=unit)
    old_path, new_path = unit.path, f"{new_parent.path}{unit.pk}/"
    depth_change = new_parent.depth + 1 - unit.depth
    Unit.objects.filter(account=unit.account, path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)


def unit_time_zones(account: Account, unit_ids: set[int]) -> dict[int, str]:
    """Each unit's time zone: its own, else its nearest ancestor's, else the account's.

    Two queries whatever the number of units."""
    units = list(Unit.objects.filter(account=account, pk__in=unit_ids))
    zones = dict(
        Unit.objects.filter(pk__in={a for u in units for a in u.ancestor_ids})
        .exclude(time_zone="")
        .values_list("pk", "time_zone")
    )
    out = {}
    for unit in units:
        found = [zones[a] for a in reversed(unit.ancestor_ids) if a in zones]
        out[unit.pk] = found[0] if found else account.time_zone
    return out


def unit_time_zone(unit: Unit) -> str:
    return unit_time_zones(unit.account, {unit.pk})[unit.pk]


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_api_key(*, account: Account, name: str, unit: Unit | None = None) -> NewApiKey:
    """Mint a key, for the whole account or for one unit's subtree. The secret has 256 random
    bits, so a fast hash is enough to store it."""
    if unit is not None and unit.account_id != account.pk:
        raise ValueError("An API key's unit must belong to its account.")
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        account=account, unit=unit, name=name, prefix=prefix, key_hash=_hash(secret)
    )
    return NewApiKey(api_key=api_key, secret=secret)


def do_revoke_api_key(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def access_api_key(secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None. Constant-time comparison of the hash."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    prefix = secret[len(API_KEY_PREFIX) :].split("_", 1)[0]
    api_key = (
        ApiKey.objects.select_related("account", "unit")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(secret)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
