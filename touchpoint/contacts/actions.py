"""Contacts as intake finds or creates them; consent changes on contacts, and their erasure.

Each consent change publishes one domain event in its transaction: `contact.unsubscribed`
(data `channel`: None for every survey, else the one channel) and `contact.erased`. The apps
that hold what the change touches (waiting invitations, answers, tickets, mail, texts)
subscribe to them; this module names none of them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from touchpoint.accounts.models import Account
from touchpoint.contacts.models import Contact
from touchpoint.events import actions as events
from touchpoint.lib.bulk import build, bulk_insert, bulk_set, concrete_attnames, from_row

log = logging.getLogger("touchpoint.contacts")

UNSUBSCRIBED, ERASED = "contact.unsubscribed", "contact.erased"


class ContactDetails(Protocol):
    """A contact as intake receives it (`surveys.schemas.ContactIn` or `CheckedContact`)."""

    external_id: str
    email: str
    phone: str
    name: str
    locale: str
    time_zone: str
    attributes: dict


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


def resolve_contacts(account: Account, given: Sequence[ContactDetails]) -> list[Contact]:
    """The contact for each entry: matched by external id, then email, then phone, else new.

    Details given (name, locale, time zone, attributes, a missing identifier) update the
    stored contact; an identifier that already belongs to another contact is left alone.
    """
    contacts, new, changed = match_contacts(account, given, now=timezone.now())
    bulk_insert(new)
    save_contacts(changed, [])
    return contacts


CONTACT_DETAILS = [
    "external_id",
    "email",
    "phone",
    "name",
    "locale",
    "time_zone",
    "attributes",
    "updated_at",
]


IDENTIFIERS = ("external_id", "email", "phone")  # in the order a contact is matched by


def match_contacts(
    account: Account, given: Sequence[ContactDetails], *, now: dt.datetime
) -> tuple[list[Contact], list[Contact], list[Contact]]:
    """`resolve_contacts` without writing: the contact of each entry, those to insert (no key
    yet), and the stored ones whose details changed."""
    # One index per identifier: value -> contact (the batch's new contacts join them).
    index: dict[str, dict[str, Contact]] = {kind: {} for kind in IDENTIFIERS}
    attnames = concrete_attnames(Contact)
    for kind in IDENTIFIERS:
        values = {v for c in given if (v := getattr(c, kind))}
        values -= index[kind].keys()  # already found by another identifier
        if values:
            found = Contact.objects.filter(account=account, **{f"{kind}__in_plain": values})
            for row in found.values_list(*attnames):
                contact = from_row(Contact, attnames, row, found.db)
                for k in IDENTIFIERS:
                    if (v := getattr(contact, k)) and v not in index[k]:
                        index[k][v] = contact

    by_external_id, by_email, by_phone = (index[kind] for kind in IDENTIFIERS)
    out: list[Contact] = []
    new: list[Contact] = []
    changed: dict[int, Contact] = {}
    for entry in given:
        # Read by name, not in a loop over IDENTIFIERS: this runs for every row of a batch.
        external_id, email, phone = entry.external_id, entry.email, entry.phone
        matched = (
            (external_id and by_external_id.get(external_id))
            or (email and by_email.get(email))
            or (phone and by_phone.get(phone))
            or None
        )
        if matched is None:
            contact = build(Contact, account_id=account.pk)
            new.append(contact)
        else:
            contact = matched
        if _merge_contact(contact, entry, index, now=now) and contact.id:
            changed[contact.id] = contact
        if contact.external_id:
            by_external_id[contact.external_id] = contact
        if contact.email:
            by_email[contact.email] = contact
        if contact.phone:
            by_phone[contact.phone] = contact
        out.append(contact)
    return out, new, list(changed.values())


def save_contacts(changed: Sequence[Contact], invited: Sequence[Contact]) -> None:
    """Write stored contacts back: their new details, their new invitation time, or both.
    A contact's invitation time is written only if it was invited: it was read again under
    lock only then (`surveys.actions._lock_contacts`)."""
    invited_ids = {c.id for c in invited}
    changed_ids = {c.id for c in changed}
    bulk_set([c for c in changed if c.id in invited_ids], [*CONTACT_DETAILS, "last_invited_at"])
    bulk_set([c for c in changed if c.id not in invited_ids], CONTACT_DETAILS)
    bulk_set([c for c in invited if c.id not in changed_ids], ["last_invited_at"])


def _merge_contact(
    contact: Contact,
    entry: ContactDetails,
    index: dict[str, dict[str, Contact]],
    *,
    now: dt.datetime,
) -> bool:
    changed = False
    for kind in IDENTIFIERS:
        value = getattr(entry, kind)
        if value and not getattr(contact, kind) and value not in index[kind]:
            setattr(contact, kind, value)
            changed = True
    for name in ("name", "locale", "time_zone"):
        value = getattr(entry, name)
        if value and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
    if entry.attributes and any(
        contact.attributes.get(k) != v for k, v in entry.attributes.items()
    ):
        contact.attributes = {**contact.attributes, **entry.attributes}
        changed = True
    if changed:
        contact.updated_at = now
    return changed
