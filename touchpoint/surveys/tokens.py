"""Survey links: the token of an invitation's link, and finding the invitation behind one.

The token is never stored: an invitation keeps a nonce and the SHA-256 of its token, and the
token is rebuilt from the nonce and SECRET_KEY when a message is composed (see
touchpoint/lib/links.py for why). A database dump alone opens no survey and unsubscribes
no one.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from touchpoint.lib import links
from touchpoint.lib.compiled import CompiledQuery
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


PAGE_RELATED = ("account", "contact", "touchpoint", "unit")
# One query per set of relations asked for, its SQL compiled once (lib/compiled.py): the
# survey page's every request starts with it.
_by_hash: dict[tuple[str, ...], CompiledQuery[Invitation]] = {}


def _by_token_hash(related: tuple[str, ...]) -> CompiledQuery[Invitation]:
    query = _by_hash.get(related)
    if query is None:
        query = _by_hash[related] = CompiledQuery(
            lambda token_hash: Invitation.objects.select_related(*related).filter(
                token_hash=token_hash
            ),
            stand_in="token-hash",
        )
    return query


def access_invitation(token: str, *, related: Sequence[str] = ()) -> Invitation | None:
    """The invitation behind a survey or unsubscribe link, whatever its state, or None.
    It comes with its account, contact, touchpoint and unit, and the `related` relations
    (`select_related` names) asked for."""
    token_hash = links.lookup_hash(token)
    if token_hash is None:
        return None
    relations = tuple(dict.fromkeys((*PAGE_RELATED, *related)))
    invitation = _by_token_hash(relations).first(token_hash)
    if invitation is None:  # rare: a link sent before the upgrade to derived links
        found = Invitation.objects.select_related(*relations)
        legacy = LegacyLink.objects.filter(token_hash=token_hash).values("invitation_id").first()
        invitation = found.filter(pk=legacy["invitation_id"]).first() if legacy else None
    return invitation


def access_open_invitation(token: str, *, related: Sequence[str] = ()) -> Invitation | None:
    """The invitation behind a survey link if it can still be answered, else None.

    Unknown, expired, unsent and opted-out links all look the same to the visitor.
    """
    invitation = access_invitation(token, related=related)
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
