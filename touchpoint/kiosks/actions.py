"""In-store kiosks: minting and revoking their links, and the answers tapped on them."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.kiosks.models import Kiosk
from touchpoint.responses.actions import check_comment, check_score, do_answer_anonymously
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Touchpoint

WINDOW = dt.timedelta(minutes=1)


class TooManyAnswers(Exception):
    """The kiosk took its share of answers this minute; nothing was stored."""


@dataclass
class NewKiosk:
    kiosk: Kiosk
    token: str  # shown once: only its hash is stored

    @property
    def path(self) -> str:
        return f"/kiosk/{self.token}/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_kiosk(*, account: Account, unit: Unit, touchpoint: Touchpoint) -> None:
    if unit.account_id != account.pk or touchpoint.account_id != account.pk:
        raise ValueError("The store and the touchpoint must belong to the kiosk's account.")


def do_create_kiosk(
    *, account: Account, unit: Unit, touchpoint: Touchpoint, name: str, locale: str = ""
) -> NewKiosk:
    check_kiosk(account=account, unit=unit, touchpoint=touchpoint)
    token = secrets.token_urlsafe(24)
    kiosk = Kiosk.objects.create(
        account=account,
        unit=unit,
        touchpoint=touchpoint,
        name=name,
        locale=locale,
        token_hash=_hash(token),
    )
    return NewKiosk(kiosk, token)


def do_new_kiosk_link(*, kiosk: Kiosk) -> NewKiosk:
    """A fresh link for the kiosk; the old one stops working at once."""
    token = secrets.token_urlsafe(24)
    Kiosk.objects.filter(pk=kiosk.pk).update(token_hash=_hash(token), revoked_at=None)
    kiosk.refresh_from_db()
    return NewKiosk(kiosk, token)


def do_revoke_kiosk(*, kiosk: Kiosk) -> None:
    Kiosk.objects.filter(pk=kiosk.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def access_kiosk(token: str) -> Kiosk | None:
    """The active kiosk behind a link, else None (unknown and revoked look the same)."""
    if not token or len(token) > 64:
        return None
    return (
        Kiosk.objects.select_related("account", "unit", "touchpoint")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )


def _take_slot(kiosk: Kiosk, now: dt.datetime) -> bool:
    """Count one answer in the kiosk's current one-minute window, in the database, so that
    every web process shares the limit. False when the window is full."""
    limit = settings.KIOSK_ANSWERS_PER_MINUTE
    for _ in range(2):  # a concurrent request may open the new window between the two tries
        if Kiosk.objects.filter(
            pk=kiosk.pk, window_started_at__gt=now - WINDOW, window_count__lt=limit
        ).update(window_count=F("window_count") + 1, last_used_at=now):
            return True
        if (
            Kiosk.objects.filter(pk=kiosk.pk)
            .filter(Q(window_started_at__isnull=True) | Q(window_started_at__lte=now - WINDOW))
            .update(window_started_at=now, window_count=1, last_used_at=now)
        ):
            return True
    return False


def do_record_kiosk_answer(
    *, kiosk: Kiosk, score: object, comment: str = "", locale: str = "", key: str = ""
) -> Response:
    """An anonymous answer tapped on a kiosk, through the answer door: attributed to its
    store, channel kiosk. `key` is the form's own id: a double tap stores one answer. Bad
    input is refused before it counts against the kiosk's rate limit."""
    check_score(score)
    check_comment(comment)
    with transaction.atomic():
        if not _take_slot(kiosk, timezone.now()):
            raise TooManyAnswers
        kiosk.touchpoint.account = kiosk.account
        response, _ = do_answer_anonymously(
            touchpoint=kiosk.touchpoint,
            unit=kiosk.unit,
            channel=Channel.KIOSK,
            score=score,
            comment=comment,
            locale=locale,
            kiosk=kiosk,
            key=f"kiosk:{kiosk.pk}:{key}" if key else "",
        )
    return response
