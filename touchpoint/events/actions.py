"""Publishing domain events, and relaying them to the features that subscribe to them.

The core publishes (an answer stored or changed, a contact opting out, a ticket moving); it
never names the features that react. Features subscribe when their app is ready:

- `subscribe(pattern, handler, in_transaction=True)`: the handler runs inside `publish`, in
  the transaction of the change (rollups, ticket rules): it happens exactly when the change
  does.
- `subscribe(pattern, handler)`: the worker's `relay` hands it the events after they are
  committed (webhooks, the Delighted-shaped copies, connectors). A relay that dies is run
  again, so these handlers must be idempotent (they write outbox messages with a dedupe
  key).

A pattern is an event type (`response.created`), a family (`ticket.*`) or `*`. Handlers take
a list of events of one account and one type, in publishing order; each event carries the
in-memory object it is about as `event.subject` while inside `publish` (None when relayed).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from touchpoint.events.models import Event, matches
from touchpoint.lib.bulk import build, insert_few

log = logging.getLogger("touchpoint.events")

Handler = Callable[[list[Event]], None]
State = Event.State

LEASE = dt.timedelta(minutes=2)
RETRY_AFTER = dt.timedelta(minutes=1)
MAX_ATTEMPTS = 10
KEEP = dt.timedelta(days=30)  # relayed events are kept this long (for inspection, replays)

_in_transaction: list[tuple[str, Handler]] = []
_relayed: list[tuple[str, Handler]] = []


def subscribe(pattern: str, handler: Handler, *, in_transaction: bool = False) -> None:
    """Call `handler` with the events whose type matches `pattern` (once per handler)."""
    registry = _in_transaction if in_transaction else _relayed
    if (pattern, handler) not in registry:
        registry.append((pattern, handler))


def new(
    event_type: str,
    *,
    account_id: int,
    subject: object | None = None,
    subject_id: int | None = None,
    data: dict | None = None,
    summary: str = "",
) -> Event:
    """An event to publish; `subject` is the object it is about (its pk is kept)."""
    now = timezone.now()
    event = build(
        Event,
        event_id=uuid.uuid4(),
        account_id=account_id,
        type=event_type,
        subject_id=subject_id if subject_id is not None else getattr(subject, "pk", None),
        data=data or {},
        summary=summary[:300],
        created_at=now,
        due_at=now,
    )
    event.subject = subject
    return event


def publish(events: Sequence[Event]) -> None:
    """Write the events to the outbox and apply their in-transaction consequences.

    Must run inside the transaction of the change the events report: a rollback takes the
    events and their consequences with it.
    """
    if not events:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must run inside the transaction of the change")
    insert_few(list(events))  # one statement for an answer's event; keys are not needed here
    for group in _groups(events):
        for pattern, handler in _in_transaction:
            if matches(pattern, group[0].type):
                handler(group)


def _groups(events: Iterable[Event]) -> list[list[Event]]:
    """The events by (account, type), each group in publishing order."""
    groups: dict[tuple[int, str], list[Event]] = defaultdict(list)
    for event in events:
        groups[(event.account_id, event.type)].append(event)
    return list(groups.values())


def relay(*, limit: int = 500) -> int:
    """Hand pending events to the relayed subscribers; returns how many were relayed.

    A batch is claimed by one conditional UPDATE (tagged with this call's token, so only the
    rows this worker won are read back) and relayed in one transaction; if a handler fails,
    the batch is relayed again one event at a time, so one bad event holds up nobody else.
    """
    now = timezone.now()
    due = list(
        Event.objects.filter(state=State.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    token = uuid.uuid4().hex
    Event.objects.filter(pk__in=due, state=State.PENDING).update(
        state=State.RELAYING,
        claimed_by=token,
        attempts=F("attempts") + 1,
        lease_expires_at=now + LEASE,
    )
    claimed = list(
        Event.objects.filter(state=State.RELAYING, claimed_by=token).order_by("created_at", "pk")
    )
    if not claimed:
        return 0
    try:
        with transaction.atomic():
            _hand_over(claimed)
            _finish(claimed)
    except Exception:  # isolate the event that fails
        log.exception("relaying %s events failed; relaying them one by one", len(claimed))
        for event in claimed:
            _relay_one(event)
    return len(claimed)


def _hand_over(events: list[Event]) -> None:
    for group in _groups(events):
        for pattern, handler in _relayed:
            if matches(pattern, group[0].type):
                handler(group)


def _finish(events: list[Event]) -> None:
    Event.objects.filter(pk__in=[e.pk for e in events], state=State.RELAYING).update(
        state=State.DONE, relayed_at=timezone.now(), claimed_by="", lease_expires_at=None
    )


def _relay_one(event: Event) -> None:
    try:
        with transaction.atomic():
            _hand_over([event])
            _finish([event])
    except Exception as error:  # recorded on the event, retried later
        failed = event.attempts >= MAX_ATTEMPTS
        Event.objects.filter(pk=event.pk, state=State.RELAYING).update(
            state=State.FAILED if failed else State.PENDING,
            due_at=timezone.now() + RETRY_AFTER * event.attempts,
            claimed_by="",
            lease_expires_at=None,
            last_error=f"attempt {event.attempts}: {error!r}"[:500],
        )
        log.error("event %s (%s) not relayed: %r", event.pk, event.type, error)


def sweep() -> int:
    """Give back batches whose worker died while relaying them (handlers are idempotent)."""
    return Event.objects.filter(state=State.RELAYING, lease_expires_at__lte=timezone.now()).update(
        state=State.PENDING, claimed_by="", lease_expires_at=None
    )


def prune(*, older_than: dt.timedelta = KEEP) -> int:
    deleted, _ = Event.objects.filter(
        state=State.DONE, relayed_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
