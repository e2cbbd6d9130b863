"""What vendors tell us becomes interactions, through the one intake.

Each event is kept (`InboundEvent`, unique per connector and vendor id) with its outcome:
recorded (with its interaction), or parked with the reason when it cannot be mapped — a
vendor group mapped to a unit that no longer exists, a touchpoint removed. A parked event is
visible on the connector's log and replayed once the mapping is fixed. A vendor sending the
same event again is counted, never recorded twice; the interaction's external id is the
vendor's own id, so the intake is idempotent too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from pydantic import ValidationError

from touchpoint.accounts.models import Unit
from touchpoint.connectors.models import Connector, InboundEvent
from touchpoint.connectors.vendors.base import Incoming
from touchpoint.contacts.actions import resolve_contacts
from touchpoint.contacts.models import Contact
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import ContactIn, InteractionIn, field_errors
from touchpoint.surveys.models import Touchpoint

log = logging.getLogger("touchpoint.connectors")
State = InboundEvent.State


@dataclass
class Outcome:
    event: InboundEvent | None
    repeat: bool = False


class Unmapped(Exception):
    """Why an event cannot become an interaction now (it is parked with this reason)."""


def unit_for(connector: Connector, incoming: Incoming) -> Unit:
    """The unit the event is attributed to: the unit code it names itself, else the first of
    its keys the connector's map knows (agent before team before group), else the map's
    default (`*`). The unit must exist and be open."""
    mapping: dict[str, str] = connector.config.get("units") or {}
    code = incoming.unit
    if not code:
        for kind, value in incoming.keys:
            if value and (found := mapping.get(f"{kind}:{value}")):
                code = found
                break
        else:
            code = mapping.get("*", "")
    if not code:
        said = ", ".join(f"{kind} {value}" for kind, value in incoming.keys if value)
        raise Unmapped(f"no unit is mapped for {said or 'this event'} and there is no default")
    unit = Unit.objects.filter(account_id=connector.account_id, code=code).first()
    if unit is None:
        raise Unmapped(f"the mapping names unit {code!r}, which no longer exists")
    if not unit.is_active:
        raise Unmapped(f"the mapping names unit {code!r}, which is closed")
    return unit


def touchpoint_for(connector: Connector, incoming: Incoming) -> Touchpoint:
    slug = incoming.touchpoint or connector.config.get("touchpoint", "")
    touchpoint = Touchpoint.objects.filter(account_id=connector.account_id, slug=slug).first()
    if touchpoint is None:
        raise Unmapped(f"no touchpoint {slug!r} (see the connector's settings)")
    return touchpoint


def external_id(connector: Connector, incoming: Incoming) -> str:
    return f"{connector.kind}:{incoming.vendor_id}"[:200]


def do_receive(connector: Connector, incoming: Incoming) -> Outcome:
    """Keep one inbound event and record it (or park it, or wait for its details)."""
    now = timezone.now()
    repeat = InboundEvent.objects.filter(connector=connector, vendor_id=incoming.vendor_id)
    if repeat.update(repeats=F("repeats") + 1):
        return Outcome(repeat.first(), repeat=True)
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                account_id=connector.account_id,
                connector=connector,
                vendor_id=incoming.vendor_id[:200],
                object_id=incoming.object_id[:100],
                state=State.LOOKUP if incoming.lookup else State.PARKED,
                incoming=incoming.as_json(),
                received_at=now,
            )
            if not incoming.lookup:
                _record(connector, event, incoming, now=now)
    except IntegrityError:  # the same event, stored by a concurrent request
        repeat.update(repeats=F("repeats") + 1)
        return Outcome(repeat.first(), repeat=True)
    return Outcome(event)


def _record(connector: Connector, event: InboundEvent, incoming: Incoming, *, now) -> None:
    """Map and record, inside the caller's transaction; parks the event when it cannot."""
    try:
        if incoming.only_contact:
            _update_contact(connector, incoming)
            interaction_id = None
        else:
            interaction_id = _interaction(connector, incoming)
    except Unmapped as why:
        event.state, event.reason = State.PARKED, str(why)[:300]
        event.save(update_fields=["state", "reason", "incoming"])
        log.info("%s event %s parked: %s", connector.kind, event.pk, why)
        return
    event.state, event.reason = State.RECORDED, ""
    event.interaction_id, event.recorded_at = interaction_id, now
    event.save(update_fields=["state", "reason", "interaction", "recorded_at", "incoming"])


def _contact_in(incoming: Incoming) -> ContactIn:
    values = {k: v for k, v in incoming.contact.items() if v}
    if incoming.attributes:
        values["attributes"] = incoming.attributes
    try:
        return ContactIn.model_validate(values)
    except ValidationError as error:
        raise Unmapped(_said(field_errors(error, "contact"))) from error


def _said(errors: list[dict[str, str]]) -> str:
    return "; ".join(f"{e['field']} {e['message']}" for e in errors)


def _interaction(connector: Connector, incoming: Incoming) -> int:
    unit = unit_for(connector, incoming)
    touchpoint = touchpoint_for(connector, incoming)
    try:
        item = InteractionIn(
            external_id=external_id(connector, incoming),
            touchpoint=touchpoint.slug,
            unit=unit.code,
            occurred_at=dt.datetime.fromisoformat(incoming.occurred_at),
            contact=_contact_in(incoming),
            properties=incoming.properties,
        )
    except ValidationError as error:
        raise Unmapped(_said(field_errors(error))) from error
    result = record_interactions(connector.account, [item])
    if not result.ok:
        raise Unmapped(_said(result.errors))
    return result.items[0].interaction.pk


def _update_contact(connector: Connector, incoming: Incoming) -> Contact:
    """An `identify`: the contact's details and attributes (traits), no survey."""
    with transaction.atomic():
        return resolve_contacts(connector.account, [_contact_in(incoming)])[0]


def do_replay(event: InboundEvent) -> InboundEvent:
    """Map a parked event again (after its mapping or unit was fixed)."""
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update().select_related("connector").get(pk=event.pk)
        )
        if event.state != State.PARKED:
            return event
        event.replays += 1
        event.save(update_fields=["replays"])
        _record(event.connector, event, Incoming.from_json(event.incoming), now=timezone.now())
    return event


def do_complete_lookup(event: InboundEvent, details: dict) -> None:
    """The vendor's details for an event that needed them (a deal's contact and owner):
    record it now."""
    incoming = Incoming.from_json({**event.incoming, **details, "lookup": {}})
    with transaction.atomic():
        locked = InboundEvent.objects.select_for_update().get(pk=event.pk)
        if locked.state != State.LOOKUP:
            return
        locked.incoming = incoming.as_json()
        _record(event.connector, locked, incoming, now=timezone.now())


def do_fail_lookup(event: InboundEvent, reason: str) -> None:
    InboundEvent.objects.filter(pk=event.pk, state=State.LOOKUP).update(
        state=State.PARKED, reason=reason[:300]
    )
