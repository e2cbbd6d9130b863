"""What a contact's consent changes do to their invitations: in-transaction subscribers."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from touchpoint.events.models import Event
from touchpoint.surveys.models import Invitation


def on_unsubscribed(events: list[Event]) -> None:
    """Cancel what is still waiting on the channel(s) the contact left: invitations not yet
    sent, and phone invitations not yet called."""
    now = timezone.now()
    for event in events:
        waiting = Q(state=Invitation.State.SCHEDULED) | Q(
            channel="phone", state=Invitation.State.SENT
        )
        pending = Invitation.objects.filter(waiting, contact_id__in=[event.subject_id])
        if event.data["channel"]:
            pending = pending.filter(channel=event.data["channel"])
        pending.update(
            state=Invitation.State.SUPPRESSED,
            reason=Invitation.Reason.OPTED_OUT,
            detail="opted out before sending",
            held_by=None,
            lease_expires_at=None,
            updated_at=now,
        )
