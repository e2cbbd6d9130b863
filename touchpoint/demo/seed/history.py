"""A year of the demo's history: interactions, their invitations and answers, drawn in memory
and written in bulk. No intake and no rules engine per row, so 50,000 interactions take
seconds, but the same rules the intake applies: send time from the delay and quiet hours,
quarantine, opt-outs, sampling, expiry, attribution snapshots."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.models import Contact
from touchpoint.demo.seed.customers import (
    ACCESSORIES,
    COUNTRIES,
    EMAIL_DOMAINS,
    NAMES,
    PHONES,
    TIER_EFFECT,
    TIERS,
    Country,
    ascii_fold,
)
from touchpoint.demo.seed.org import BRAND_CODE, UnitSpec, demo_tree, effective_quality
from touchpoint.demo.seed.themed_comments import feedback
from touchpoint.demo.seed.touchpoints import (
    BASE,
    CALL_REASONS,
    CANCEL_REASONS,
    HOURS,
    REPAIRS,
    RESPONSE_RATE,
    SHARE,
    WEB_HOURS,
    day_weight,
    draw_score,
    season,
)
from touchpoint.lib.bulk import bulk_insert
from touchpoint.lib.segments import snapshot as segment_snapshot
from touchpoint.reports import folding
from touchpoint.responses.actions import attribution_for
from touchpoint.responses.models import Response
from touchpoint.surveys import rules
from touchpoint.surveys.models import Channel, Interaction, Invitation, Touchpoint
from touchpoint.surveys.tokens import new_link

HISTORY_PREFIX = "demo-"  # demo-000001 … in chronological order
K = Touchpoint.Kind
State, Reason = Invitation.State, Invitation.Reason


def history_id(n: int) -> str:
    return f"{HISTORY_PREFIX}{n:06d}"


@dataclass
class _Person:
    contact: Contact
    country: str
    home_store: str
    model: str
    tier: str
    opted_out: dt.datetime | None = None  # globally, or of email
    last_invited: dt.datetime | None = None


@dataclass
class _Slot:
    kind: str
    day: dt.date
    person: _Person | None = None
    unit: str = ""
    occurred_at: dt.datetime | None = None
    properties: dict = field(default_factory=dict)
    effect: float = 0.0  # interaction-level shift of the score (a slow repair, an unsolved call)


class _History:
    """Draws the year of interactions, their invitations and answers, in memory first."""

    def __init__(self, account: Account, rng: random.Random):
        self.account, self.rng = account, rng
        self.quality = effective_quality()
        self.zones: dict[str, str] = {}
        for spec in demo_tree():
            parent_zone = self.zones[spec.parent] if spec.parent else account.time_zone
            self.zones[spec.code] = spec.time_zone or parent_zone
        self.tz = {zone: ZoneInfo(zone) for zone in set(self.zones.values())}
        by_kind: dict[str, list[UnitSpec]] = {}
        for spec in demo_tree():
            by_kind.setdefault(spec.kind, []).append(spec)
        self.stores = by_kind["store"]
        self.store_weights = [s.traffic for s in self.stores]
        self.agents_by_language: dict[str, tuple[list[str], list[float]]] = {}
        for language in ("en", "fr", "de", "es"):
            agents = [a for a in by_kind["agent"] if a.language == language]
            self.agents_by_language[language] = (
                [a.code for a in agents],
                [a.traffic for a in agents],
            )
        self.centres: dict[str, tuple[list[str], list[float]]] = {}
        for country in COUNTRIES:
            centres = [c for c in by_kind["repair_centre"] if c.country == country]
            self.centres[country] = ([c.code for c in centres], [c.traffic for c in centres])
        self.people: list[_Person] = []
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    # people

    def new_person(self, home_store: UnitSpec, window: tuple[dt.datetime, dt.datetime]) -> _Person:
        rng = self.rng
        country = COUNTRIES[home_store.country]
        locale = rng.choices(
            [code for code, _ in country.locales], [w for _, w in country.locales]
        )[0]
        first, last = NAMES[country.names]
        given, family = rng.choice(first), rng.choice(last)
        email = self._unique_email(given, family)
        phone = self._unique_phone(country) if rng.random() < 0.3 else None
        model = rng.choices(list(PHONES), [share for _, share in PHONES.values()])[0]
        tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        n = len(self.people) + 1
        contact = Contact(
            account_id=self.account.pk,
            external_id=f"cust-{n:06d}",
            email=email,
            phone=phone,
            name=f"{given} {family}",
            locale=locale,
            time_zone=self.zones[home_store.code],
            attributes={"phone_model": model, "tier": tier, "city": home_store.city},
        )
        person = _Person(contact, home_store.country, home_store.code, model, tier)
        draw = rng.random()
        if draw < 0.02:  # some customers unsubscribed at some point in the year
            start, end = window
            when = start + (end - start) * rng.random()
            if draw < 0.012:
                contact.opted_out_at = when
            else:
                contact.email_opted_out_at = when
            person.opted_out = when
        self.people.append(person)
        return person

    def _unique_email(self, given: str, family: str) -> str:
        rng = self.rng
        g, f = ascii_fold(given), ascii_fold(family)
        local = rng.choice((f"{g}.{f}", f"{g}{f}", f"{g[0]}{f}", f"{g}_{f}", f"{f}.{g}"))
        domain = rng.choice(EMAIL_DOMAINS)
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1 if n > 1 else rng.randint(1, 90)
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def _unique_phone(self, country: Country) -> str:
        while True:
            digits = "".join(str(self.rng.randrange(10)) for _ in range(country.phone_digits))
            phone = country.phone_prefix + digits
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    # interactions

    def draw_slots(self, count: int, today: dt.date) -> list[_Slot]:
        rng = self.rng
        days = [today - dt.timedelta(days=k) for k in range(365, 0, -1)]
        kinds = list(SHARE)
        counts = {kind: int(count * SHARE[kind]) for kind in kinds}
        counts[K.STORE_PURCHASE] += count - sum(counts.values())
        slots = []
        for kind in kinds:
            weights = [day_weight(kind, day) for day in days]
            slots += [_Slot(kind, day) for day in rng.choices(days, weights, k=counts[kind])]
        rng.shuffle(slots)
        return slots

    def place(self, slot: _Slot, window: tuple[dt.datetime, dt.datetime]) -> None:
        """Who it was, where it happened, when, and what we know about it."""
        rng = self.rng
        if self.people and rng.random() < 0.22:  # a returning customer
            person = rng.choice(self.people)
        else:
            home = rng.choices(self.stores, self.store_weights)[0]
            person = self.new_person(home, window)
        slot.person = person
        kind = slot.kind
        currency = COUNTRIES[person.country].currency
        if kind == K.STORE_PURCHASE:
            if rng.random() < 0.8:
                slot.unit = person.home_store
            else:
                slot.unit = rng.choices(self.stores, self.store_weights)[0].code
            slot.properties = self._basket(person, currency)
        elif kind == K.ONLINE_PURCHASE:
            slot.unit = BRAND_CODE
            slot.properties = {
                **self._basket(person, currency),
                "delivery": rng.choice(("home", "home", "click_and_collect")),
            }
        elif kind == K.SUPPORT_CALL:
            codes, weights = self.agents_by_language[person.contact.locale]
            slot.unit = rng.choices(codes, weights)[0]
            resolved = rng.random() < min(0.95, max(0.35, 0.72 + 0.2 * self.quality[slot.unit]))
            slot.effect = 0.0 if resolved else -0.8
            slot.properties = {
                "reason": rng.choice(CALL_REASONS),
                "duration_min": max(2, round(rng.lognormvariate(math.log(9), 0.5))),
                "resolved": resolved,
            }
        elif kind == K.REPAIR:
            codes, weights = self.centres[person.country]
            slot.unit = rng.choices(codes, weights)[0]
            typical = 4 * math.exp(-0.6 * self.quality[slot.unit])
            days = max(1, round(rng.lognormvariate(math.log(typical), 0.45)))
            slot.effect = -0.07 * (days - 4) - (0.3 if person.model == "Nimbus Fold" else 0)
            slot.properties = {
                "device": person.model,
                "repair": rng.choice(REPAIRS),
                "turnaround_days": days,
                "warranty": rng.random() < 0.6,
            }
        else:
            slot.unit = BRAND_CODE
            if kind == K.SIGN_UP:
                slot.properties = {"source": rng.choice(("app", "app", "website"))}
            elif kind == K.CONTACT_CHANGE:
                slot.properties = {"field": rng.choice(("address", "email", "phone", "payment"))}
            else:
                slot.properties = {"reason": rng.choice(CANCEL_REASONS)}
        start, end, peak = HOURS.get(kind, WEB_HOURS)
        hour = rng.triangular(start, end, peak)
        zone = person.contact.time_zone if slot.unit == BRAND_CODE else self.zones[slot.unit]
        local = dt.datetime.combine(slot.day, dt.time(0), tzinfo=self.tz[zone])
        local += dt.timedelta(hours=hour)
        slot.occurred_at = local.astimezone(dt.UTC)

    def _basket(self, person: _Person, currency: str) -> dict:
        if self.rng.random() < 0.75:
            product, price = person.model, PHONES[person.model][0]
        else:
            product = self.rng.choice(list(ACCESSORIES))
            price = ACCESSORIES[product]
        return {"product": product, "amount": price, "currency": currency}


def seed_history(
    account: Account,
    units: dict[str, Unit],
    touchpoints: dict[str, Touchpoint],
    *,
    count: int,
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """A year of interactions with their invitations and answers, written in bulk.

    Steps: draw the days (weekly and seasonal volume), the contacts (new or returning) and the
    units (a store near home, an agent speaking the contact's language, a repair centre in
    their country); then, in time order, plan each invitation the way intake would (delay,
    quiet hours, opt-outs, sampling, quarantine) and draw its fate: answered (score from the
    units' latent quality, the touchpoint and the season), unanswered, or still open; insert
    everything in batches and date the rows back to when they happened.
    """
    if count <= 0:
        return 0
    h = _History(account, rng)
    today = now.astimezone(ZoneInfo(account.time_zone)).date()
    window = (now - dt.timedelta(days=365), now - dt.timedelta(days=1))
    slots = h.draw_slots(count, today)
    for slot in slots:
        h.place(slot, window)
    slots.sort(key=lambda s: s.occurred_at)
    first_day = today - dt.timedelta(days=365)

    rows: list[tuple[_Person, Interaction, Invitation, Response | None]] = []
    attribution: dict[str, dict] = {}
    units_by_id = {u.pk: u for u in units.values()}
    for n, slot in enumerate(slots, start=1):
        person, touchpoint, unit = slot.person, touchpoints[slot.kind], units[slot.unit]
        external_id = history_id(n)
        # Ids rather than objects: setting related objects costs more than the insert itself.
        interaction = Interaction(
            account_id=account.pk,
            touchpoint_id=touchpoint.pk,
            unit_id=unit.pk,
            occurred_at=slot.occurred_at,
            external_id=external_id,
            properties=slot.properties,
            payload_hash=hashlib.sha256(external_id.encode()).hexdigest(),
        )
        send_at = rules.plan_send_at(
            occurred_at=slot.occurred_at,
            delay=touchpoint.delay,
            time_zone=person.contact.time_zone or h.zones[slot.unit],
            quiet_start=touchpoint.quiet_hours_start,
            quiet_end=touchpoint.quiet_hours_end,
        )
        expiry = dt.timedelta(days=touchpoint.expiry_days)
        invitation = Invitation(
            account_id=account.pk,
            touchpoint_id=touchpoint.pk,
            unit_id=unit.pk,
            channel=touchpoint.channel,
            send_at=send_at,
            expires_at=send_at + expiry,
        )
        response = None
        rows.append((person, interaction, invitation, response))
        reason, detail = _suppression(person, touchpoint, external_id, send_at)
        if reason:
            invitation.state, invitation.reason, invitation.detail = (
                State.SUPPRESSED,
                reason,
                detail,
            )
            continue
        new_link(invitation)
        person.last_invited = max(send_at, person.last_invited or send_at)
        if send_at > now:  # a repair or parcel of the last days: the worker will send it
            continue
        delivered = touchpoint.channel in (Channel.EMAIL, Channel.SMS)
        invitation.sent_at = send_at + dt.timedelta(seconds=rng.uniform(2, 90) if delivered else 0)
        invitation.expires_at = invitation.sent_at + expiry
        invitation.state = State.SENT
        answered_at = None
        if rng.random() < RESPONSE_RATE[slot.kind]:
            wait = min(rng.lognormvariate(math.log(2 * 3600), 1.6), expiry.total_seconds() - 60)
            answered_at = invitation.sent_at + dt.timedelta(seconds=max(20, wait))
        if answered_at is not None and answered_at < now:
            invitation.state = State.ANSWERED
            progress = (slot.day - first_day).days / 365
            logit = (
                BASE[slot.kind]
                + h.quality[slot.unit]
                + TIER_EFFECT[person.tier]
                + slot.effect
                + season(slot.kind, slot.day, progress)
            )
            score = draw_score(rng, logit)
            if slot.unit not in attribution:
                attribution[slot.unit] = attribution_for(unit, units_by_id)
            comment, answers = feedback(
                rng,
                slot.kind,
                person.contact.locale,
                score,
                unit_code=slot.unit,
                quality=h.quality[slot.unit],
                day=slot.day,
            )
            response = Response(
                account_id=account.pk,
                touchpoint_id=touchpoint.pk,
                channel=touchpoint.channel,
                score=score,
                comment=comment,
                answers=answers,
                locale=person.contact.locale,
                unit_id=unit.pk,
                unit_path=unit.path,
                attribution=attribution[slot.unit],
                segments=segment_snapshot(person.contact.attributes, slot.properties),
                answered_at=answered_at,
            )
            rows[-1] = (person, interaction, invitation, response)
        elif invitation.expires_at <= now:
            invitation.state, invitation.reason = State.EXPIRED, Reason.NOT_ANSWERED

    for person in h.people:
        person.contact.last_invited_at = person.last_invited
    with transaction.atomic():
        _write(h.people, rows)
        folding.add_responses(account, [r for _, _, _, r in rows if r is not None])
    return len(rows)


def _write(
    people: list[_Person], rows: list[tuple[_Person, Interaction, Invitation, Response | None]]
) -> None:
    """Insert parents first, then point each child at the ids its parents were given.

    Rows are dated to when things happened rather than to when the seed ran."""
    first_seen: dict[int, dt.datetime] = {}
    for person, interaction, invitation, response in rows:
        first_seen.setdefault(id(person), interaction.occurred_at)
        interaction.created_at = interaction.occurred_at
        invitation.created_at = invitation.updated_at = interaction.occurred_at
        if response is not None:
            response.created_at = response.updated_at = response.answered_at
    for person in people:
        if id(person) in first_seen:
            person.contact.created_at = person.contact.updated_at = first_seen[id(person)]
    bulk_insert([p.contact for p in people])
    for person, interaction, _, _ in rows:
        interaction.contact_id = person.contact.pk
    bulk_insert([interaction for _, interaction, _, _ in rows])
    for person, interaction, invitation, _ in rows:
        invitation.interaction_id, invitation.contact_id = interaction.pk, person.contact.pk
    bulk_insert([invitation for _, _, invitation, _ in rows])
    responses = []
    for person, interaction, invitation, response in rows:
        if response is not None:
            response.invitation_id, response.interaction_id = invitation.pk, interaction.pk
            response.contact_id = person.contact.pk
            responses.append(response)
    bulk_insert(responses)


def _suppression(
    person: _Person, touchpoint: Touchpoint, external_id: str, send_at: dt.datetime
) -> tuple[str, str]:
    """Why intake would not have sent this survey, in the intake's order and words."""
    if person.opted_out and person.opted_out <= send_at:
        contact = person.contact
        if contact.opted_out_at or touchpoint.channel == Channel.EMAIL:
            return Reason.OPTED_OUT, f"opted out of {touchpoint.get_channel_display().lower()}"
    if not rules.in_sample(f"{touchpoint.pk}:{external_id}", touchpoint.sampling_rate):
        return Reason.SAMPLED_OUT, f"sampling rate {touchpoint.sampling_rate}"
    days = touchpoint.effective_quarantine_days
    if not rules.quarantine_allows(last_invited_at=person.last_invited, send_at=send_at, days=days):
        return Reason.QUARANTINE, (
            f"invited {person.last_invited:%Y-%m-%d}, within the {days}-day quarantine"
        )
    return "", ""
