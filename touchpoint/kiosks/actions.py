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
from touchpoint.reports import rollups
from touchpoint.responses.actions import InvalidAnswer, attribution_for, check_score
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Touchpoint
from touchpoint.tickets import actions as tickets

WINDOW = dt.timedelta(minutes=1)
MAX_COMMENT = 2000


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
    *, kiosk: Kiosk, score: object, comment: str = "", locale: str = ""
) -> Response:
    """An anonymous answer tapped on a kiosk: attributed to its store, channel kiosk."""
    score = check_score(score)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidAnswer("Please keep your comment shorter.", field="comment")
    now = timezone.now()
    with transaction.atomic():
        if not _take_slot(kiosk, now):
            raise TooManyAnswers
        response = Response.objects.create(
            account_id=kiosk.account_id,
            touchpoint_id=kiosk.touchpoint_id,
            channel="kiosk",
            score=score,
            comment=comment,
            locale=locale,
            unit_id=kiosk.unit_id,
            unit_path=kiosk.unit.path,
            attribution=attribution_for(kiosk.unit),
            kiosk=kiosk,
            answered_at=now,
        )
        rollups.add_responses(kiosk.account, [response])
        # An anonymous detractor still tells the store something: the touchpoint's ticket
        # rule applies (a ticket without a contact to reply to).
        tickets.on_response_saved(response, created=True)
    return response
