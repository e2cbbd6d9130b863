"""Consent changes on contacts."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from touchpoint.contacts.models import Contact


@transaction.atomic
def do_opt_out(*, contact: Contact, channel: str | None = None) -> None:
    """Opt a contact out of every survey (channel None) or of one channel, and cancel what is
    still waiting to be sent."""
    from touchpoint.surveys.models import Invitation

    now = timezone.now()
    field = {None: "opted_out_at", "email": "email_opted_out_at", "sms": "sms_opted_out_at"}[
        channel
    ]
    Contact.objects.filter(pk=contact.pk, **{f"{field}__isnull": True}).update(
        **{field: now, "updated_at": now}
    )
    pending = Invitation.objects.filter(contact=contact, state=Invitation.State.SCHEDULED)
    if channel:
        pending = pending.filter(channel=channel)
    pending.update(
        state=Invitation.State.SUPPRESSED,
        reason=Invitation.Reason.OPTED_OUT,
        detail="opted out before sending",
        updated_at=now,
    )
