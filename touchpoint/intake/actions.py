"""Intake of interactions and the planning of their invitations.

`record_interactions` is the one way in for the API, CSV import and the demo: it checks a batch
completely before writing anything, then writes it in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from touchpoint.accounts.actions import unit_time_zones
from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts import suppressions
from touchpoint.contacts.actions import match_contacts, save_contacts
from touchpoint.contacts.models import Contact
from touchpoint.intake.schemas import (
    CheckedInteraction,
    ContactIn,
    InteractionIn,
)
from touchpoint.lib.bulk import build, bulk_insert, bulk_set, reserve_ids
from touchpoint.lib.heap import collection_paused
from touchpoint.responses.actions import GivenAnswer, do_store_given
from touchpoint.responses.models import Response
from touchpoint.surveys import rules
from touchpoint.surveys.models import Channel, Interaction, Invitation, Touchpoint
from touchpoint.surveys.tasks import send_due_invitations
from touchpoint.surveys.tokens import LinkLost, new_link, survey_token

Item = InteractionIn | CheckedInteraction

# Channels whose invitation Touchpoint delivers itself; the others are answered in place
# (a web link the brand shows, a widget, an in-app prompt, a kiosk, an interviewer's queue).
DELIVERED_CHANNELS = {Channel.EMAIL, Channel.SMS}
ADDRESS_FIELD: dict[str, str] = {
    Channel.EMAIL: "email",
    Channel.SMS: "phone",
    Channel.PHONE: "phone",
}


@dataclass
class ItemResult:
    interaction: Interaction
    created: bool
    invitation: Invitation | None = None
    response: Response | None = None


@dataclass
class IntakeResult:
    items: list[ItemResult] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    conflict: bool = False  # an external id already names a different interaction
    unknown_unit: bool = False  # a unit code names no unit the caller may write to

    @property
    def ok(self) -> bool:
        return not self.errors


def payload_hash(item: InteractionIn | CheckedInteraction) -> str:
    """A fingerprint of the interaction as sent, to tell a safe repeat from a conflict.

    Stored with each interaction: it must stay byte-for-byte what it has always been, or
    repeats of interactions stored earlier would be taken for conflicts.
    """
    if isinstance(item, CheckedInteraction):
        return item.payload_hash  # computed when it was checked
    canonical = _canonical_json(item.model_dump(mode="json"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# `json.dumps(value, sort_keys=True, separators=(",", ":"))`, made once instead of per call;
# a dump has no cycles to look for.
_canonical_json = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), check_circular=False
).encode


@dataclass
class References:
    touchpoints: dict[str, Touchpoint]
    unit_ids: dict[str, int]  # by code: ids, not instances (building a Unit costs 15 µs)


def load_references(
    account: Account, items: Sequence[Item], *, within: Unit | None = None
) -> References:
    """The touchpoints and units the items name. With `within`, only units in that unit's
    subtree are found: a code outside it reads exactly like a code that does not exist."""
    slugs = {item.touchpoint for item in items}
    codes = {item.unit for item in items}
    units = Unit.objects.filter(account=account, code__in_plain=codes)
    if within is not None:
        units = units.filter(path__startswith=within.path)
    return References(
        touchpoints={
            t.slug: t
            for t in Touchpoint.objects.filter(
                account=account, slug__in_plain=slugs
            ).select_related("account")
        },
        unit_ids=dict(units.values_list("code", "id")),
    )


def check_interactions(
    account: Account,
    items: Sequence[Item],
    *,
    labels: Sequence[str] | None = None,
    within: Unit | None = None,
) -> tuple[References, dict[str, Interaction], list[dict[str, str]], bool]:
    """Every reason the batch cannot be stored, each naming its field; writes nothing.

    `labels` names each item in errors ("interactions[3]" for the API, "line 17" for CSV);
    `within` limits the units the items may name to one subtree (a unit-limited API key).
    Returns the references, the interactions that already exist (idempotent repeats), the
    errors, and whether any error is a conflict with a stored interaction.
    """
    labels = labels or [f"interactions[{i}]" for i in range(len(items))]
    refs = load_references(account, items, within=within)
    errors: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    future = timezone.now() + dt.timedelta(minutes=5)
    for label, item in zip(labels, items, strict=True):
        if item.touchpoint not in refs.touchpoints:
            errors.append(_error(label, "touchpoint", f"no touchpoint {item.touchpoint!r}"))
        if item.unit not in refs.unit_ids:
            errors.append(_error(label, "unit", f"no unit with code {item.unit!r}"))
        if item.occurred_at > future:
            errors.append(_error(label, "occurred_at", "is in the future"))
        if item.external_id:
            if item.external_id in seen:
                errors.append(
                    _error(label, "external_id", f"repeats {seen[item.external_id]} of this batch")
                )
            seen.setdefault(item.external_id, label)

    existing = {
        i.external_id or "": i
        for i in Interaction.objects.filter(account=account, external_id__in_plain=seen.keys())
    }
    conflict = False
    for label, item in zip(labels, items, strict=True):
        stored = existing.get(item.external_id) if item.external_id else None
        if stored is not None and stored.payload_hash != payload_hash(item):
            conflict = True
            errors.append(
                _error(
                    label,
                    "external_id",
                    "is already used by a different interaction (send the same data to repeat a "
                    "request safely, or use a new external_id)",
                )
            )
    return refs, existing, errors, conflict


def _error(label: str, name: str, message: str) -> dict[str, str]:
    return {"field": f"{label}.{name}", "message": message}


def record_interactions(
    account: Account,
    items: Sequence[Item],
    *,
    labels: Sequence[str] | None = None,
    delay: dt.timedelta | None = None,
    within: Unit | None = None,
) -> IntakeResult:
    """Store a batch of interactions with their contacts and invitations, all or nothing.

    Steps: check everything (references, duplicates, conflicts); resolve or create contacts;
    create the interactions; plan each invitation (rules, consent, sampling, quarantine);
    store answers given with the interaction; after commit, wake the sender if any is due.
    Repeating an interaction with the same external id and data returns the stored one.
    `delay`, when given, replaces the touchpoints' own (Delighted's per-request delay).
    `within` limits the units the batch may name to that unit's subtree (a unit-limited key).

    Two requests racing with the same new external id or the same new contact both pass the
    check; the loser's insert hits a unique constraint, and it runs once more, now finding
    the winner's rows.
    """
    with collection_paused():
        try:
            return _record(account, items, labels=labels, delay=delay, within=within)
        except IntegrityError:
            return _record(account, items, labels=labels, delay=delay, within=within)


def _record(
    account: Account,
    items: Sequence[Item],
    *,
    labels: Sequence[str] | None,
    delay: dt.timedelta | None,
    within: Unit | None,
) -> IntakeResult:
    refs, existing, errors, conflict = check_interactions(
        account, items, labels=labels, within=within
    )
    if errors:
        unknown_unit = any(error["field"].endswith(".unit") for error in errors)
        return IntakeResult(errors=errors, conflict=conflict, unknown_unit=unknown_unit)

    now = timezone.now()
    result = IntakeResult()
    with transaction.atomic():
        new_items = [
            item for item in items if item.external_id not in existing or not item.external_id
        ]
        # Everything is decided before anything is written, on rows given their keys up
        # front: a new contact is stored once, already marked as invited, instead of being
        # inserted, locked and updated again.
        contacts, new_contacts, changed = match_contacts(
            account, [item.contact for item in new_items], now=now
        )
        reserve_ids(new_contacts)
        touchpoints = [refs.touchpoints[item.touchpoint] for item in new_items]
        # Ids rather than objects: setting related objects costs more than the insert itself.
        interactions = [
            build(
                Interaction,
                account_id=account.id,
                touchpoint_id=touchpoint.id,
                unit_id=refs.unit_ids[item.unit],
                contact_id=contact.id,
                occurred_at=item.occurred_at,
                external_id=item.external_id or None,
                properties=item.properties,
                payload_hash=payload_hash(item),
            )
            for item, contact, touchpoint in zip(new_items, contacts, touchpoints, strict=True)
        ]
        reserve_ids(interactions)
        rows = list(zip(interactions, touchpoints, contacts, new_items, strict=True))
        to_plan = [(i, t, c) for i, t, c, item in rows if item.response is None]
        _lock_contacts([c for _, _, c in to_plan if not c._state.adding])
        planned, invited = _decide_invitations(account, to_plan, now=now, delay=delay)
        bulk_insert(new_contacts)
        save_contacts(changed, [c for c in invited if not c._state.adding])
        bulk_insert(interactions)
        bulk_insert(planned)
        responses = _responses_given(account, [r for r in rows if r[3].response])

        by_interaction = {inv.interaction_id: inv for inv in planned}
        # Repeats report what was stored the first time.
        earlier_invitations: dict[int | None, Invitation] = {}
        earlier_responses: dict[int | None, Response] = {}
        if existing:
            stored_ids = [i.pk for i in existing.values()]
            earlier_invitations = {
                i.interaction_id: i for i in Invitation.objects.filter(interaction__in=stored_ids)
            }
            earlier_responses = {
                r.interaction_id: r for r in Response.objects.filter(interaction__in=stored_ids)
            }
        created = iter(zip(interactions, new_items, strict=True))
        for item in items:
            if item.external_id and item.external_id in existing:
                stored = existing[item.external_id]
                result.items.append(
                    ItemResult(
                        stored,
                        created=False,
                        invitation=earlier_invitations.get(stored.pk),
                        response=earlier_responses.get(stored.pk),
                    )
                )
                continue
            interaction, _ = next(created)
            result.items.append(
                ItemResult(
                    interaction,
                    created=True,
                    invitation=by_interaction.get(interaction.id),
                    response=responses.get(interaction.id),
                )
            )
        if any(inv.state == Invitation.State.SCHEDULED and inv.send_at <= now for inv in planned):
            transaction.on_commit(_wake_sender)
    return result


def _wake_sender() -> None:
    send_due_invitations.enqueue()


def plan_invitations(
    account: Account,
    rows: Sequence[tuple[Interaction, Touchpoint, Contact]],
    *,
    now: dt.datetime,
    delay: dt.timedelta | None = None,
) -> list[Invitation]:
    """Decide, for each new interaction, whether and when its survey goes out, and store it.

    `delay` replaces each touchpoint's own delay when given.

    The contacts' rows are locked (in id order, so two batches cannot deadlock) while the
    quarantine is checked and their `last_invited_at` moved, so concurrent intakes for the
    same person cannot both survey them. A database without row locks (SQLite) took the
    write lock when the transaction began, so the contacts as read are already current.
    """
    if not rows:
        return []
    _lock_contacts([contact for _, _, contact in rows])
    invitations, invited = _decide_invitations(account, rows, now=now, delay=delay)
    bulk_set(invited, ["last_invited_at"])
    bulk_insert(invitations)
    return invitations


def _lock_contacts(contacts: Sequence[Contact]) -> None:
    """Lock stored contacts' rows (where the database has row locks) and read their
    `last_invited_at` again, now that no concurrent intake can move it: see
    `plan_invitations`."""
    if not contacts:
        return
    if not connections[router.db_for_write(Contact)].features.has_select_for_update:
        return
    locked = {contact.id: contact for contact in contacts}
    latest = (
        Contact.objects.select_for_update()
        .filter(pk__in_plain=locked.keys())
        .order_by("pk")
        .values_list("pk", "last_invited_at")
    )
    for pk, last_invited_at in latest:
        locked[pk].last_invited_at = last_invited_at


def _decide_invitations(
    account: Account,
    rows: Sequence[tuple[Interaction, Touchpoint, Contact]],
    *,
    now: dt.datetime,
    delay: dt.timedelta | None,
) -> tuple[list[Invitation], list[Contact]]:
    """The invitations of `plan_invitations`, unsaved, and the contacts now invited (their
    `last_invited_at` moved, unsaved). Interactions and contacts need their keys only."""
    if not rows:
        return [], []
    unit_zones = unit_time_zones(account, {interaction.unit_id for interaction, _, _ in rows})
    blocked = _suppressed_addresses(account, rows)
    expiries = {t.id: dt.timedelta(days=t.expiry_days) for _, t, _ in rows}
    invited: dict[int, Contact] = {}
    invitations = []
    for interaction, touchpoint, contact in rows:
        time_zone = contact.time_zone or unit_zones[interaction.unit_id]
        send_at = rules.plan_send_at(
            occurred_at=interaction.occurred_at,
            delay=touchpoint.delay if delay is None else delay,
            time_zone=time_zone,
            quiet_start=touchpoint.quiet_hours_start,
            quiet_end=touchpoint.quiet_hours_end,
        )
        expiry = expiries[touchpoint.id]
        invitation = build(
            Invitation,
            account_id=account.id,
            interaction_id=interaction.id,
            contact_id=contact.id,
            touchpoint_id=touchpoint.id,
            unit_id=interaction.unit_id,
            channel=touchpoint.channel,
            send_at=send_at,
            expires_at=max(send_at, now) + expiry,
        )
        reason, detail = _suppression(
            contact,
            touchpoint,
            interaction,
            send_at=send_at,
            now=now,
            expiry=expiry,
            blocked=blocked,
        )
        if reason:
            invitation.state = Invitation.State.SUPPRESSED
            invitation.reason = reason
            invitation.detail = detail
        else:
            new_link(invitation)
            contact.last_invited_at = send_at
            invited[contact.id] = contact
            if touchpoint.channel not in DELIVERED_CHANNELS:
                # Answered in place: the link is live at once, nothing to deliver.
                invitation.state = Invitation.State.SENT
                invitation.sent_at = now
        invitations.append(invitation)
    return invitations, list(invited.values())


def _suppressed_addresses(
    account: Account, rows: Sequence[tuple[Interaction, Touchpoint, Contact]]
) -> set[tuple[str, str]]:
    """(channel, address) of the batch's addresses on the suppression list: one query per
    channel the batch sends on."""
    wanted: dict[str, set[str]] = {}
    for _, touchpoint, contact in rows:
        if touchpoint.channel in ADDRESS_FIELD:
            wanted.setdefault(touchpoint.channel, set()).add(
                _normalised(contact, touchpoint.channel)
            )
    return {
        (channel, address)
        for channel, addresses in wanted.items()
        for address in suppressions.suppressed(account, channel, addresses)
    }


def _normalised(contact: Contact, channel: str) -> str:
    return suppressions.normalise(channel, suppressions.contact_address(contact, channel))


def _suppression(
    contact: Contact,
    touchpoint: Touchpoint,
    interaction: Interaction,
    *,
    send_at: dt.datetime,
    now: dt.datetime,
    expiry: dt.timedelta,
    blocked: set[tuple[str, str]],
) -> tuple[str, str]:
    reason = Invitation.Reason
    if not touchpoint.is_active:
        return reason.TOUCHPOINT_INACTIVE, f"touchpoint {touchpoint.slug} is switched off"
    if contact.opted_out_of(touchpoint.channel):
        return reason.OPTED_OUT, f"opted out of {touchpoint.get_channel_display().lower()}"
    address = ADDRESS_FIELD.get(touchpoint.channel)
    if address and not getattr(contact, address):
        return reason.NO_ADDRESS, f"contact has no {address}"
    if (
        address
        and blocked  # most batches name no suppressed address: nothing to normalise
        and (touchpoint.channel, _normalised(contact, touchpoint.channel)) in blocked
    ):
        return reason.SUPPRESSED_ADDRESS, f"the {address} is on the suppression list"
    if send_at + expiry <= now:
        return reason.STALE, f"interaction of {interaction.occurred_at:%Y-%m-%d} is too old"
    rate = touchpoint.sampling_rate
    if rate < 1 and not rules.in_sample(  # everyone is in a sample of 1: no key to hash
        f"{touchpoint.id}:{interaction.external_id or interaction.id}", rate
    ):
        return reason.SAMPLED_OUT, f"sampling rate {touchpoint.sampling_rate}"
    days = touchpoint.effective_quarantine_days
    if not rules.quarantine_allows(
        last_invited_at=contact.last_invited_at, send_at=send_at, days=days
    ):
        return reason.QUARANTINE, (
            f"invited {contact.last_invited_at:%Y-%m-%d}, within the {days}-day quarantine"
        )
    return "", ""


def _responses_given(
    account: Account,
    rows: Sequence[tuple[Interaction, Touchpoint, Contact, Item]],
) -> dict[int, Response]:
    """Answers that arrive with their interaction (history, phone interviews) go through the
    answer door in bulk, with their own dates."""
    given = []
    for interaction, touchpoint, contact, item in rows:
        answer = item.response
        assert answer is not None  # only rows that carry an answer come here
        given.append(
            GivenAnswer(
                interaction=interaction,
                touchpoint=touchpoint,
                contact_id=contact.id,
                score=answer.score,
                comment=answer.comment,
                channel=answer.channel or "",
                answered_at=answer.answered_at,
                locale=contact.locale,
            )
        )
    return {r.interaction_id: r for r in do_store_given(account, given) if r.interaction_id}


@dataclass
class Decision:
    """Whether to survey a contact now in place (widget, in-app), and why not."""

    invitation: Invitation | None
    reason: str = ""
    detail: str = ""

    @property
    def ask(self) -> bool:
        return self.invitation is not None and not self.reason

    @property
    def token(self) -> str | None:
        """The token the caller shows the question with (on a yes), rebuilt in memory: the
        same on a repeated decision. None if it cannot be rebuilt (SECRET_KEY changed with no
        fallback, or a decision taken before links were derived)."""
        if not self.ask:
            return None
        assert self.invitation is not None
        try:
            return survey_token(self.invitation)
        except LinkLost:
            return None


def do_ask_now(
    account: Account,
    *,
    touchpoint: Touchpoint,
    unit: Unit,
    contact: ContactIn,
    external_id: str = "",
    properties: dict | None = None,
) -> Decision:
    """Record "this contact is at the touchpoint now" and decide, by the same rules as every
    other channel (opt-out, sampling, quarantine across all channels), whether to ask.

    A yes is an invitation whose token the caller shows the question with; it counts for the
    quarantine from now on, so the contact is not asked again elsewhere. Repeating the same
    `external_id` returns the first decision.
    """
    if external_id:
        stored = Interaction.objects.filter(account=account, external_id=external_id).first()
        if stored is not None:
            return _decision(Invitation.objects.filter(interaction=stored).first())
    item = InteractionIn(
        external_id=external_id,
        touchpoint=touchpoint.slug,
        unit=unit.code,
        occurred_at=timezone.now(),
        contact=contact,
        properties=properties or {},
    )
    result = record_interactions(account, [item], within=unit)
    if not result.ok:
        raise ValueError(result.errors)
    return _decision(result.items[0].invitation)


def _decision(invitation: Invitation | None) -> Decision:
    if invitation is None:  # an interaction stored with its answer
        return Decision(None, "answered", "this interaction already has an answer")
    if invitation.state in (Invitation.State.SUPPRESSED, Invitation.State.FAILED):
        return Decision(invitation, invitation.reason, invitation.detail)
    if invitation.state == Invitation.State.ANSWERED:
        return Decision(invitation, "answered", "already answered")
    if invitation.state == Invitation.State.EXPIRED:
        return Decision(invitation, "expired", "the survey window has closed")
    return Decision(invitation)
