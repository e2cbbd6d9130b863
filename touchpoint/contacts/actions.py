"""Consent changes on contacts, and their erasure.

Each change publishes one domain event in its transaction: `contact.unsubscribed` (data
`channel`: None for every survey, else the one channel) and `contact.erased`. The apps that
hold what the change touches (waiting invitations, answers, tickets, mail, texts) subscribe
to them; this module names none of them.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from touchpoint.contacts.models import Contact
from touchpoint.events import actions as events

log = logging.getLogger("touchpoint.contacts")

UNSUBSCRIBED, ERASED = "contact.unsubscribed", "contact.erased"
OPT_OUT_FIELDS = {
    None: "opted_out_at",
    "email": "email_opted_out_at",
    "sms": "sms_opted_out_at",
    "phone": "phone_opted_out_at",
}


@transaction.atomic
def do_opt_out(*, contact: Contact, channel: str | None = None) -> bool:
    """Opt a contact out of every survey (channel None) or of one channel. What is still
    waiting for them there is cancelled by the subscribers. Returns whether it is new."""
    now = timezone.now()
    field = OPT_OUT_FIELDS[channel]
    newly = Contact.objects.filter(pk=contact.pk, **{f"{field}__isnull": True}).update(
        **{field: now, "updated_at": now}
    )
    if not newly:
        return False  # already out: nothing changes, nothing is published
    setattr(contact, field, now)
    where = f"{channel} surveys" if channel else "every survey"
    events.publish(
        [
            events.new(
                UNSUBSCRIBED,
                account_id=contact.account_id,
                subject=contact,
                data={
                    "channel": channel,
                    "contact": {
                        "id": contact.pk,
                        "external_id": contact.external_id,
                        "email": contact.email,
                        "name": contact.name,
                    },
                },
                summary=f"A customer opted out of {where}",
            )
        ]
    )
    return True


@transaction.atomic
def do_erase_contact(*, contact: Contact, source: str) -> dict[str, int]:
    """Erase a contact and everything about them; keep their answers as anonymous scores.

    The subscribers of `contact.erased` strip the person from what they hold (answers keep
    their score, channel, touchpoint, date and attribution, so no report moves; ticket
    trails keep what happened and when; mail not yet sent is cancelled). Interactions (with
    their properties) and invitations go with the contact. Logged with ids only.
    """
    contact_id, account_id = contact.pk, contact.account_id
    erased = events.new(
        ERASED,
        account_id=account_id,
        subject=contact,
        data={"contact_id": contact_id, "source": source},
        summary="A customer's personal data was erased",
    )
    events.publish([erased])
    _, deleted = Contact.objects.filter(pk=contact_id).delete()
    counts = {k.split(".")[-1]: v for k, v in deleted.items()}
    log.info("erased contact %s of account %s (%s): %s", contact_id, account_id, source, counts)
    return counts


@transaction.atomic
def do_opt_in(*, contact: Contact, channel: str) -> None:
    """Lift a channel's opt-out (an SMS "START"); a global opt-out stays as it is."""
    field = OPT_OUT_FIELDS[channel]
    Contact.objects.filter(pk=contact.pk).update(**{field: None, "updated_at": timezone.now()})
