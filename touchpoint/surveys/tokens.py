"""Survey links: the token of an invitation's link, and finding the invitation behind one.

The token is never stored: an invitation keeps a nonce and the SHA-256 of its token, and the
token is rebuilt from the nonce and SECRET_KEY when a message is composed (see
touchpoint/lib/links.py for why). A database dump alone opens no survey and unsubscribes
no one.
"""

from __future__ import annotations

from django.utils import timezone

from touchpoint.lib import links
from touchpoint.lib.links import LinkLost
from touchpoint.surveys.models import Invitation, LegacyLink

PURPOSE = "survey"

__all__ = ["LinkLost", "access_invitation", "access_open_invitation", "new_link", "survey_token"]


def new_link(invitation: Invitation) -> None:
    """Give the invitation a new link (in memory: the caller saves `token_nonce` and
    `token_hash`). An earlier one stops opening it."""
    invitation.token_nonce, invitation.token_hash = links.mint(PURPOSE)


def survey_token(invitation: Invitation) -> str:
    """The token of the invitation's link, for a message or a page being composed. LinkLost
    when it cannot be rebuilt (see `links.rebuild`)."""
    return links.rebuild(PURPOSE, invitation.token_nonce, invitation.token_hash)


def access_invitation(token: str) -> Invitation | None:
    """The invitation behind a survey or unsubscribe link, whatever its state, or None."""
    token_hash = links.lookup_hash(token)
    if token_hash is None:
        return None
    found = Invitation.objects.select_related("account", "contact", "touchpoint", "unit")
    invitation = found.filter(token_hash=token_hash).first()
    if invitation is None:  # rare: a link sent before the upgrade to derived links
        legacy = LegacyLink.objects.filter(token_hash=token_hash).values("invitation_id").first()
        invitation = found.filter(pk=legacy["invitation_id"]).first() if legacy else None
    return invitation


def access_open_invitation(token: str) -> Invitation | None:
    """The invitation behind a survey link if it can still be answered, else None.

    Unknown, expired, unsent and opted-out links all look the same to the visitor.
    """
    invitation = access_invitation(token)
    if invitation is None or invitation.state not in (
        Invitation.State.SENT,
        Invitation.State.ANSWERED,
    ):
        return None
    if timezone.now() >= invitation.expires_at:
        return None
    if invitation.contact.opted_out_at is not None:
        return None
    return invitation
