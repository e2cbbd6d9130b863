"""In-store kiosks: minting and revoking their links, and the answers tapped on them."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.kiosks.models import Kiosk
from touchpoint.ratelimits import actions as ratelimits
from touchpoint.responses.actions import check_comment, check_score, do_answer_anonymously
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Touchpoint


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


def do_record_kiosk_answer(
    *, kiosk: Kiosk, score: object, comment: str = "", locale: str = "", key: str = ""
) -> Response:
    """An anonymous answer tapped on a kiosk, through the answer door: attributed to its
    store, channel kiosk. `key` is the form's own id: a double tap stores one answer. Bad
    input is refused before it counts against the kiosk's rate limit."""
    check_score(score)
    check_comment(comment)
    with transaction.atomic():
        allowed, _ = ratelimits.take(f"kiosk:{kiosk.pk}", limit=settings.KIOSK_ANSWERS_PER_MINUTE)
        if not allowed:
            raise TooManyAnswers
        Kiosk.objects.filter(pk=kiosk.pk).update(last_used_at=timezone.now())
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
