"""Publishable keys, the shared rate limit, and what the website widget may do with a key."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.widget.models import PublishableKey, RateCounter

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


def check_rate(bucket: str, *, limit: int, window: int = 60) -> tuple[bool, int]:
    """Count one hit for `bucket` in the current fixed window; (allowed, seconds to wait).

    The count lives in the database, so every web process shares it: an UPDATE ... + 1 (the
    row lock serialises concurrent hits), or the first hit's INSERT, where a racing insert
    loses on the unique constraint and counts with an UPDATE instead.
    """
    now = timezone.now()
    epoch = int(now.timestamp())
    start = dt.datetime.fromtimestamp(epoch - epoch % window, tz=dt.UTC)
    rows = RateCounter.objects.filter(bucket=bucket, window_start=start)
    with transaction.atomic():
        if not rows.update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(bucket=bucket, window_start=start, hits=1)
            except IntegrityError:
                rows.update(hits=F("hits") + 1)
            # The first hit of a window clears this bucket's earlier windows.
            RateCounter.objects.filter(bucket=bucket, window_start__lt=start).delete()
        hits = rows.values_list("hits", flat=True).get()
    return hits <= limit, window - epoch % window


def prune_rate_counters(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Forget finished windows (the worker calls this now and then)."""
    deleted, _ = RateCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
