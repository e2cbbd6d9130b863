"""Consent changes on contacts, and their erasure."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from touchpoint.contacts.models import Contact

log = logging.getLogger("touchpoint.contacts")

OPT_OUT_FIELDS = {
    None: "opted_out_at",
    "email": "email_opted_out_at",
    "sms": "sms_opted_out_at",
    "phone": "phone_opted_out_at",
}


@transaction.atomic
def do_opt_out(*, contact: Contact, channel: str | None = None) -> None:
    """Opt a contact out of every survey (channel None) or of one channel, and cancel what is
    still waiting: invitations not yet sent, and phone invitations not yet called."""
    from touchpoint.surveys.models import Invitation

    now = timezone.now()
    field = OPT_OUT_FIELDS[channel]
    newly = Contact.objects.filter(pk=contact.pk, **{f"{field}__isnull": True}).update(
        **{field: now, "updated_at": now}
    )
    waiting = Q(state=Invitation.State.SCHEDULED) | Q(channel="phone", state=Invitation.State.SENT)
    pending = Invitation.objects.filter(waiting, contact=contact)
    if channel:
        pending = pending.filter(channel=channel)
    pending.update(
        state=Invitation.State.SUPPRESSED,
        reason=Invitation.Reason.OPTED_OUT,
        detail="opted out before sending",
        held_by=None,
        lease_expires_at=None,
        updated_at=now,
    )
    if newly and channel is None:
        from touchpoint.delighted.webhooks import notify_unsubscribe

        notify_unsubscribe(contact)


@transaction.atomic
def do_erase_contact(*, contact: Contact, source: str) -> dict[str, int]:
    """Erase a contact and everything about them; keep their answers as anonymous scores.

    Interactions (with their properties) and invitations go with the contact. Each response
    keeps its score, channel, touchpoint, date and attribution snapshot, so every rollup and
    report stays exactly as it was (nothing that a rollup counts changes, so no rollup moves);
    its comment, follow-up answers, locale and every link back to the person are removed.
    Logged with ids only.
    """
    from touchpoint.responses.models import Response

    now = timezone.now()
    anonymised = Response.objects.filter(contact=contact).update(
        contact=None,
        interaction=None,
        invitation=None,
        comment="",
        answers={},
        locale="",
        updated_at=now,
    )
    _erase_from_tickets_and_mail(contact, now=now)
    if contact.phone:
        from touchpoint.sms.models import InboundSms

        # What they texted us (the words and the number) goes with them.
        InboundSms.objects.filter(account_id=contact.account_id, from_number=contact.phone).delete()
    contact_id, account_id = contact.pk, contact.account_id
    _, deleted = Contact.objects.filter(pk=contact.pk).delete()
    counts = {
        "responses_anonymised": anonymised,
        **{k.split(".")[-1]: v for k, v in deleted.items()},
    }
    log.info("erased contact %s of account %s (%s): %s", contact_id, account_id, source, counts)
    return counts


def _erase_from_tickets_and_mail(contact: Contact, *, now) -> None:
    """Ticket trails keep what happened and when, not what was written to or about the
    person; mail to them not yet sent is cancelled and what was sent is emptied."""
    from touchpoint.notifications.models import Delivery
    from touchpoint.tickets.models import Ticket, TicketEvent

    tickets = Ticket.objects.filter(contact=contact)
    TicketEvent.objects.filter(ticket__in=tickets).update(text="", data={})
    tickets.update(follow_up_token=None)
    if contact.email:
        mail = Delivery.objects.filter(account_id=contact.account_id, to_email=contact.email)
        mail.filter(state__in=[Delivery.State.PENDING, Delivery.State.HELD]).update(
            state=Delivery.State.FAILED, last_error="recipient erased", updated_at=now
        )
        mail.update(to_email="", subject="", body_text="", body_html="", headers={})


@transaction.atomic
def do_opt_in(*, contact: Contact, channel: str) -> None:
    """Lift a channel's opt-out (an SMS "START"); a global opt-out stays as it is."""
    field = OPT_OUT_FIELDS[channel]
    Contact.objects.filter(pk=contact.pk).update(**{field: None, "updated_at": timezone.now()})
