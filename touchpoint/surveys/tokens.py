"""Survey links: their secret tokens, and finding the invitation behind one."""

from __future__ import annotations

import secrets

from django.utils import timezone

from touchpoint.surveys.models import Invitation


def new_token() -> str:
    """192 random bits, URL-safe: unguessable survey links."""
    return secrets.token_urlsafe(24)


def access_open_invitation(token: str) -> Invitation | None:
    """The invitation behind a survey link if it can still be answered, else None.

    Unknown, expired, unsent and opted-out links all look the same to the visitor.
    """
    if not token or len(token) > 64:
        return None
    invitation = (
        Invitation.objects.select_related("account", "contact", "touchpoint", "unit")
        .filter(token=token, state__in=[Invitation.State.SENT, Invitation.State.ANSWERED])
        .first()
    )
    if invitation is None or timezone.now() >= invitation.expires_at:
        return None
    if invitation.contact.opted_out_at is not None:
        return None
    return invitation
