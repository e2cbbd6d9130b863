"""The one engine that sends every outbound message: claim, lease, hand-off, retry, circuit,
sweep — the same way for survey invitations, notification emails and webhooks.

A queue is a table of messages to send and a `Queue` object that composes and records its
rows; the engine does everything else:

1. Due rows whose destination is not down are claimed in one conditional UPDATE tagged with
   this pass's token: only rows still waiting are taken, only rows with the token are read
   back. Each claim holds a lease and counts an attempt.
2. Per row: the queue composes the message and picks its transport (or finishes the row
   itself: expired, opted out). The destination's circuit is checked; a row for a
   destination that is down goes back untouched (its attempt given back). The moment before
   the message goes on the wire is recorded (`handed_off_at`), conditional on the token, so
   a row whose lease another worker took over is never sent by this one.
3. Sent: recorded. Destination down: the row goes back without spending its attempt and
   the circuit opens; any answer from the destination (even a refusal) closes it. Maybe
   delivered (the answer to a handed-over message never came): failed with that reason,
   never sent twice. Retryable: waiting again after the queue's back-off, until its
   attempts run out. Otherwise failed with the reason.
4. `sweep`: rows whose worker died. Not handed off: waiting again, the attempt not spent.
   Handed off: failed as interrupted, except where receivers drop repeats by id
   (webhooks), which go again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from touchpoint.outbox.circuits import DOWN, PROBE, Circuits, scaled
from touchpoint.outbox.transports import TransportError, Transports

log = logging.getLogger("touchpoint.outbox")


class Queue:
    """What the engine needs to know about one table of outbound messages. The table has
    `state`, `attempts`, `send_at`, `lease_expires_at`, `handed_off_at`, `claimed_by` and
    `updated_at`; subclasses say how to compose and record a row."""

    model: type[Model]
    name = "messages"
    waiting = "pending"
    sending = "sending"
    lease = dt.timedelta(minutes=5)
    backoff: tuple[dt.timedelta, ...] = ()
    # Rows that may simply go again after an interrupted hand-off, because their receivers
    # drop a repeat by its id (webhooks). None: every interrupted hand-off fails.
    resendable: Q | None = None
    related: tuple[str, ...] = ()

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def due(self, now: dt.datetime) -> QuerySet:
        return self.model._default_manager.filter(state=self.waiting, send_at__lte=now)

    def without(self, rows: QuerySet, down: set[str]) -> QuerySet:
        """`rows` less those whose destination is down (so they are not even claimed)."""
        return rows

    def compose(self, row: Any, transports: Transports) -> tuple[Any, Any] | None:
        """(transport, message) to send, or None when the queue has finished the row itself
        (recording why, conditional on `row.claimed_by`)."""
        raise NotImplementedError

    def sent(self, row: Any, result: Any, now: dt.datetime) -> dict:
        """Fields to record on a row that went out."""
        raise NotImplementedError

    def after_sent(self, row: Any) -> None:
        """What else a row that went out leads to (its reminders, for a survey)."""

    def hand_off(self, row: Any, now: dt.datetime) -> bool:
        """Record that the message is about to go on the wire, if this worker still holds
        the row (and whatever else the queue requires at that moment). False: do not send."""
        return bool(_mine(self, row).update(handed_off_at=now))

    def retry(self, row: Any, error: TransportError, wait: dt.timedelta, now) -> dict:
        raise NotImplementedError

    def failed(self, row: Any, error: TransportError, reason: str, now) -> dict:
        raise NotImplementedError

    def after_failure(self, row: Any, error: TransportError) -> None:
        """What else a final failure does (a fallback channel, an opt-out)."""

    def interrupted(self, now: dt.datetime) -> dict:
        """Fields for a row whose worker died during the hand-off (when not retried)."""
        raise NotImplementedError


# Reasons a row fails for good, recorded by the queues in their own words.
INTERRUPTED, RETRIES_EXHAUSTED, REFUSED = "handoff_interrupted", "retries_exhausted", "refused"


def send_due(queue: Queue, *, limit: int = 200, transports: Transports | None = None) -> int:
    """Claim and send up to `limit` due messages of the queue; returns how many went out."""
    if transports is None:
        with Transports() as own:
            return send_due(queue, limit=limit, transports=own)
    now = timezone.now()
    circuits = Circuits.load()
    due = queue.without(queue.due(now), circuits.down(now))
    ids = list(due.order_by("send_at", "pk").values_list("pk", flat=True)[:limit])
    sent = 0
    for row in claim(queue, ids, now=now):
        sent += deliver(queue, row, transports=transports, circuits=circuits)
    return sent


def claim(queue: Queue, ids: Sequence[int], *, now: dt.datetime | None = None) -> list:
    """Take the rows that are still waiting and due, for this worker only."""
    if not ids:
        return []
    now = now or timezone.now()
    token = uuid.uuid4().hex
    queue.model._default_manager.filter(
        pk__in=list(ids), state=queue.waiting, send_at__lte=now
    ).update(
        state=queue.sending,
        claimed_by=token,
        attempts=F("attempts") + 1,
        lease_expires_at=now + scaled(queue.lease),
        handed_off_at=None,
        updated_at=now,
    )
    rows = queue.model._default_manager.filter(state=queue.sending, claimed_by=token)
    return list(rows.select_related(*queue.related).order_by("send_at", "pk"))


def _mine(queue: Queue, row) -> QuerySet:
    return queue.model._default_manager.filter(
        pk=row.pk, state=queue.sending, claimed_by=row.claimed_by
    )


def deliver(queue: Queue, row, *, transports: Transports, circuits: Circuits) -> bool:
    """Send one claimed row and record the outcome. True if it went out."""
    composed = queue.compose(row, transports)
    if composed is None:
        return False
    transport, message = composed
    destination = transport.destination_of(message)
    now = timezone.now()
    state = circuits.check(destination, now)
    if state == DOWN:
        give_back(queue, row)
        return False

    def mark_handoff() -> None:
        if not queue.hand_off(row, timezone.now()):
            raise _LostClaim  # another worker has the row now, or it must not go any more

    try:
        result = transport.send(message, before_handoff=mark_handoff)
    except _LostClaim:
        log.info("%s %s: not ours to send any more at the hand-off", queue.name, row.pk)
        return False
    except TransportError as error:
        _after_error(queue, row, error, destination=destination, circuits=circuits)
        return False
    if state == PROBE:
        log.info("%s is back: a probe got through", destination)
    if destination in circuits.rows:
        circuits.close(destination)
    now = timezone.now()
    _mine(queue, row).update(
        **queue.sent(row, result, now),
        lease_expires_at=None,
        claimed_by="",
        updated_at=now,
    )
    queue.after_sent(row)
    return True


class _LostClaim(Exception):
    pass


def _after_error(queue: Queue, row, error: TransportError, *, destination, circuits) -> None:
    now = timezone.now()
    if error.server_down:
        circuit = circuits.trip(destination, str(error), now, retry_after=error.retry_after)
        give_back(queue, row)
        log.warning(
            "%s is down (%s): its messages wait until %s", destination, error, circuit.retry_at
        )
        return
    if not error.maybe_delivered and destination in circuits.rows:
        # It answered, refusing only this message (a greylisting 451, a bad address): it is
        # up, so what waits for it goes now rather than after another probe interval.
        log.info("%s is back: it answered a probe", destination)
        circuits.close(destination)
    if error.maybe_delivered:
        fields, reason = queue.failed(row, error, INTERRUPTED, now), INTERRUPTED
    elif error.retryable and row.attempts < queue.max_attempts:
        wait = scaled(queue.backoff[row.attempts - 1])
        _mine(queue, row).update(
            **queue.retry(row, error, wait, now),
            state=queue.waiting,
            send_at=now + wait,
            lease_expires_at=None,
            handed_off_at=None,
            claimed_by="",
            updated_at=now,
        )
        log.warning(
            "%s %s attempt %s failed, retry in %s: %s",
            queue.name,
            row.pk,
            row.attempts,
            wait,
            error,
        )
        return
    else:
        reason = RETRIES_EXHAUSTED if error.retryable else REFUSED
        fields = queue.failed(row, error, reason, now)
    _mine(queue, row).update(**fields, lease_expires_at=None, claimed_by="", updated_at=now)
    queue.after_failure(row, error)
    log.error("%s %s failed (%s): %s", queue.name, row.pk, reason, error)


def give_back(queue: Queue, row) -> None:
    """Back to waiting, untouched: the attempt this claim counted is not spent."""
    _mine(queue, row).update(
        state=queue.waiting,
        attempts=F("attempts") - 1,
        lease_expires_at=None,
        handed_off_at=None,
        claimed_by="",
    )


def sweep(queue: Queue) -> dict[str, int]:
    """Recover rows whose worker died mid-send. Idempotent; every worker runs it."""
    now = timezone.now()
    stale = queue.model._default_manager.filter(state=queue.sending, lease_expires_at__lte=now)
    again = {
        "state": queue.waiting,
        "send_at": now,
        "lease_expires_at": None,
        "handed_off_at": None,
        "claimed_by": "",
        "updated_at": now,
    }
    # Never handed off: the message did not reach its destination, so, as with `give_back`,
    # the claim's attempt is not spent (workers killed in a row must not use up its retries).
    counts = {
        "reclaimed": stale.filter(handed_off_at__isnull=True).update(
            **again, attempts=F("attempts") - 1
        )
    }
    handed_off = stale.filter(handed_off_at__isnull=False)
    if queue.resendable is not None:
        counts["sent_again"] = handed_off.filter(queue.resendable).update(**again)
        handed_off = handed_off.exclude(queue.resendable)
    counts["interrupted"] = handed_off.update(
        **queue.interrupted(now), lease_expires_at=None, claimed_by="", updated_at=now
    )
    if any(counts.values()):
        log.info("%s sweep: %s", queue.name, counts)
    return counts
