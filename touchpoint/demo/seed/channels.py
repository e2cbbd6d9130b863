"""Demo data for the SMS, phone-interview and kiosk channels: two touchpoints, phone calls
due in London and Paris for the interviewers' queue, two SMS surveys for the worker to text
(kept in the dev outbox, since the demo has no Twilio credentials), and a kiosk in the
Oxford Street store whose link `touchpoint demo` prints."""

from __future__ import annotations

import datetime as dt

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts import suppressions
from touchpoint.contacts.models import Contact, Suppression
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import ContactIn, InteractionIn
from touchpoint.kiosks.actions import do_create_kiosk
from touchpoint.kiosks.models import Kiosk
from touchpoint.surveys.models import Channel, Interaction, Touchpoint

K = Touchpoint.Kind
PREFIX = "demo-channel-"
KIOSK_NAME = "Oxford Street entrance tablet"
KIOSK_STORE = "store-001"
# No quiet hours on these two, so that the queue and the outbox have something to show at any
# hour of the demo; a real phone survey would keep the customer's evenings free.
TOUCHPOINTS = [
    {
        "slug": "store-purchase-phone",
        "name": "Store purchase (phone interview)",
        "kind": K.STORE_PURCHASE,
        "channel": Channel.PHONE,
        "expiry_days": 7,
    },
    {
        "slug": "support-call-sms",
        "name": "Support call closed (SMS)",
        "kind": K.SUPPORT_CALL,
        "channel": Channel.SMS,
        "expiry_days": 3,
    },
]
# (touchpoint, unit name, contact name, locale, phone (UK drama / reserved ranges), minutes ago)
LIVE = [
    ("store-purchase-phone", "London Oxford Street", "Margaret Hill", "en", "+447700900101", 35),
    ("store-purchase-phone", "London Oxford Street", "Tom Walsh", "en", "+447700900102", 28),
    ("store-purchase-phone", "London Covent Garden", "Aisha Karim", "en", "+447700900103", 22),
    ("store-purchase-phone", "Brighton Churchill Square", "Ben Carter", "en", "+447700900104", 17),
    ("store-purchase-phone", "Reading Oracle", "Sofia Rossi", "en", "+447700900105", 12),
    ("store-purchase-phone", "Paris Opéra", "Hugo Lefèvre", "fr", "+33639980101", 9),
    ("support-call-sms", "CallCo Glasgow, phones", "Fiona Grant", "en", "+447700900106", 5),
    ("support-call-sms", "Atlas Contact Casablanca", "Camille Roux", "fr", "+33639980102", 3),
]


def ensure_channel_touchpoints(account: Account) -> None:
    for spec in TOUCHPOINTS:
        values = dict(spec)
        Touchpoint.objects.get_or_create(account=account, slug=values.pop("slug"), defaults=values)


def seed_channels(account: Account, *, now: dt.datetime) -> int:
    """Create what is missing; returns the interactions recorded by this run."""
    ensure_channel_touchpoints(account)
    units = {u.name: u for u in Unit.objects.filter(account=account)}
    first_agent = {}
    for unit in Unit.objects.filter(account=account, kind="agent").order_by("code"):
        first_agent.setdefault(unit.parent_id, unit)
    stored = set(
        Interaction.objects.filter(account=account, external_id__startswith=PREFIX).values_list(
            "external_id", flat=True
        )
    )
    known_phones = set(
        Contact.objects.filter(account=account, phone__in=[row[4] for row in LIVE]).values_list(
            "phone", flat=True
        )
    )
    items = []
    for n, (touchpoint, unit_name, name, locale, phone, minutes) in enumerate(LIVE, start=1):
        external_id = f"{PREFIX}{n:02d}"
        if external_id in stored or unit_name not in units:
            continue
        if phone in known_phones:
            continue  # a history contact already has it: keep the demo free of surprises
        unit = units[unit_name]
        unit = first_agent.get(unit.pk, unit)  # a support team: its first agent
        items.append(
            InteractionIn(
                external_id=external_id,
                touchpoint=touchpoint,
                unit=unit.code,
                occurred_at=now - dt.timedelta(minutes=minutes),
                contact=ContactIn(phone=phone, name=name, locale=locale),
                properties={"source": "demo"},
            )
        )
    if items:
        result = record_interactions(account, items)
        if not result.ok:
            raise RuntimeError(f"the demo intake was refused: {result.errors}")
    store = units.get("London Oxford Street")
    if store is not None and not Kiosk.objects.filter(account=account, name=KIOSK_NAME).exists():
        do_create_kiosk(
            account=account,
            unit=store,
            touchpoint=Touchpoint.objects.get(account=account, slug="store-purchase"),
            name=KIOSK_NAME,
        )
    return len(items)


# A year of sending leaves a few addresses behind: mailboxes that no longer exist, people who
# pressed "spam", numbers that turned out to be landlines; one was lifted again by the CX team.
DEMO_SUPPRESSIONS = [
    ("email", "hard_bounce", "550 5.1.1 <{}>: Recipient address rejected: User unknown", 9),
    ("email", "complaint", "ARF abuse", 3),
    ("sms", "invalid_number", "Twilio error 30006", 2),
]


def ensure_suppressions(account: Account, *, now: dt.datetime) -> int:
    """The demo's suppression list, once: real contacts' addresses, spread over the year."""
    if Suppression.objects.filter(account=account).exists():
        return 0
    made = 0
    for channel, reason, detail, count in DEMO_SUPPRESSIONS:
        field = "email" if channel == "email" else "phone"
        addresses = (
            Contact.objects.filter(account=account, **{f"{field}__isnull": False})
            .order_by("-pk")
            .values_list(field, flat=True)[made * 7 : made * 7 + count]
        )
        for n, address in enumerate(addresses):
            row = suppressions.do_suppress(
                account_id=account.pk,
                channel=channel,
                address=address,
                reason=reason,
                detail=detail.format(address),
                source="SMTP server" if reason == "hard_bounce" else "feedback hook (demo)",
            )
            if row is not None:
                when = now - dt.timedelta(days=11 + 29 * n, hours=3 * n)
                Suppression.objects.filter(pk=row.pk).update(created_at=when)
                made += 1
    lifted = Suppression.objects.filter(account=account, reason="complaint").first()
    if lifted is not None:
        suppressions.do_lift(
            suppression=lifted,
            by="Chloe Lewis",
            reason="The customer called: the complaint was a mis-click, she wants our surveys.",
        )
    return made
