"""Publishable keys, and what the website widget may do with a key."""

from __future__ import annotations

import secrets

from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.widget.models import PublishableKey

KEY_PREFIX = "tpp_"


def do_create_publishable_key(
    *,
    account: Account,
    name: str,
    touchpoint: Touchpoint,
    unit: Unit,
    origins: list[str],
    key: str = "",
) -> PublishableKey:
    """A new key (`key` only for the demo's fixed one). It is public: stored as is."""
    if touchpoint.account_id != account.pk or unit.account_id != account.pk:
        raise ValueError("the touchpoint and the unit must belong to the account")
    return PublishableKey.objects.create(
        account=account,
        name=name,
        key=key or f"{KEY_PREFIX}{secrets.token_urlsafe(18)}",
        touchpoint=touchpoint,
        unit=unit,
        allowed_origins="\n".join(o.rstrip("/") for o in origins),
    )


def do_revoke_publishable_key(*, key: PublishableKey) -> None:
    PublishableKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def access_publishable_key(key: str) -> PublishableKey | None:
    """The active key, or None for an unknown or revoked one."""
    if not key or len(key) > 40 or not key.startswith(KEY_PREFIX):
        return None
    return (
        PublishableKey.objects.select_related("account", "touchpoint", "unit")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )


def access_widget_touchpoint(key: PublishableKey, slug: str) -> Touchpoint | None:
    """The key's touchpoint, or another widget touchpoint of its account named by the page."""
    if not slug or slug == key.touchpoint.slug:
        touchpoint = key.touchpoint
    else:
        touchpoint = Touchpoint.objects.filter(account=key.account, slug=slug).first()
    if touchpoint is None or touchpoint.channel != Channel.WIDGET:
        return None
    touchpoint.account = key.account
    return touchpoint
