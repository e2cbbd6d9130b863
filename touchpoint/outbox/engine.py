"""The one engine that sends every outbound message: claim, lease, hand-off, retry, circuit,
sweep — the same way for survey invitations, notification emails and webhooks.

A queue is a table of messages to send and a `Queue` object that composes and records its
rows; the engine does everything else:

1. Due rows whose destination is not down are claimed in one conditional UPDATE tagged with
   this pass's token: only rows still waiting are taken (on PostgreSQL, rows another worker
   is claiming are skipped), only rows with the token are read back. Each claim holds a
   lease and counts an attempt.
2. The queue composes every claimed row's message and picks its transport (or finishes the
   row itself: expired, opted out); the transport renders what goes on the wire. Then, per
   message, the destination's circuit is checked; a row for a destination that is down goes
   back untouched (its attempt given back). The moment before the message goes on the wire
   is recorded (`handed_off_at`), conditional on the token, so a row whose lease another
   worker took over is never sent by this one. Transports keep their connection open across
   the pass's messages.
3. Sent (the destination accepted it): recorded, a few rows to an UPDATE. Destination down:
   the row goes back without spending its attempt and the circuit opens; any answer from the
   destination (even a refusal) closes it. Maybe delivered (the answer to a handed-over
   message never came): failed with that reason, never sent twice. Retryable: waiting again
   after the queue's back-off, until its attempts run out. Otherwise failed with the reason.
4. `sweep`: rows whose worker died. Not handed off: waiting again, the attempt not spent.
   Handed off: failed as interrupted, except where receivers drop repeats by id
   (webhooks), which go again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from touchpoint.lib.compiled import CompiledUpdate
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

    def before_compose(self, rows: Sequence[Any]) -> None:
        """Read what composing these rows needs, for all of them at once (optional): they
        are composed next, one by one."""

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
        return bool(_handing_off(self.model).run([now], _held_values(self, row)))

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
COMPOSE_AHEAD = 20  # messages composed and rendered before the first of them is sent


def send_due(queue: Queue, *, limit: int = 200, transports: Transports | None = None) -> int:
    """Claim and send up to `limit` due messages of the queue; returns how many went out."""
    if transports is None:
        with Transports() as own:
            return send_due(queue, limit=limit, transports=own)
    now = timezone.now()
    circuits = Circuits.load()
    rows = claim_due(queue, limit=limit, now=now, down=circuits.down(now))
    return send_claimed(queue, rows, transports=transports, circuits=circuits)


def claim_due(queue: Queue, *, limit: int, now: dt.datetime, down: set[str]) -> list:
    """Claim the first `limit` due rows that no other worker is claiming at this moment.

    On PostgreSQL the rows another worker is claiming are skipped (FOR UPDATE SKIP LOCKED),
    so several workers take consecutive batches instead of racing for the same one; on
    SQLite the claim's write transaction is taken up front, so claims simply queue.
    """
    due = queue.without(queue.due(now), down).order_by("send_at", "pk")
    with transaction.atomic():
        free = due.select_for_update(skip_locked=True, of=("self",))
        return claim(queue, list(free.values_list("pk", flat=True)[:limit]), now=now)


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


# A row this worker still holds: the one it claimed, still being sent, by the same pass (a
# sweep may have given it back, and another pass claimed it since). Every write after the
# claim is conditioned on it, through `held` or the compiled hand-off.
_HELD_BY = ("id", "state", "claimed_by")


def _held_values(queue: Queue, row) -> list:
    """The values of `_HELD_BY` for the row."""
    return [row.pk, queue.sending, row.claimed_by]


@cache
def _handing_off(model: type[Model]) -> CompiledUpdate:
    """The hand-off's UPDATE, one durable commit per message: its SQL built once (the ORM
    compiled it for every message, a tenth of a worker's CPU per email on PostgreSQL)."""
    return CompiledUpdate(model, ("handed_off_at",), where=_HELD_BY)


def held(queue: Queue, row) -> QuerySet:
    """The row, if this worker still holds it (see `_HELD_BY`): what every write after the
    claim updates, so a row given back or claimed again is left alone."""
    return queue.model._default_manager.filter(
        **dict(zip(_HELD_BY, _held_values(queue, row), strict=True))
    )


def send_claimed(queue: Queue, rows: Sequence, *, transports: Transports, circuits) -> int:
    """Send claimed rows and record the outcomes; returns how many went out.

    Messages are composed (and, where their transport can, rendered to what goes on the
    wire) COMPOSE_AHEAD at a time before any of them is sent, so the sending loop does little
    more than talk to the destination, and a worker that dies early has sent some. Each
    hand-off is still recorded on its own, before its message goes; what the destination
    accepted is recorded in batches (`Accepted`).
    """
    accepted = Accepted(queue)
    try:
        for start in range(0, len(rows), COMPOSE_AHEAD):
            ready, batch = [], rows[start : start + COMPOSE_AHEAD]
            queue.before_compose(batch)
            for row in batch:
                composed = queue.compose(row, transports)
                if composed is None:
                    continue
                transport, message = composed
                prepare = getattr(transport, "prepare", None)
                ready.append((row, transport, prepare(message) if prepare else message))
            for row, transport, message in ready:
                _send(queue, row, transport, message, circuits=circuits, accepted=accepted)
    finally:
        accepted.flush()
    return accepted.total


def deliver(queue: Queue, row, *, transports: Transports, circuits: Circuits) -> bool:
    """Send one claimed row and record the outcome. True if it went out."""
    return send_claimed(queue, [row], transports=transports, circuits=circuits) == 1


class Accepted:
    """Rows whose message the destination accepted, waiting to be recorded as sent: in one
    UPDATE per set of equal fields, every FLUSH_EVERY rows or FLUSH_AFTER seconds, before any
    failure is recorded and at the end of the pass.

    A row waiting here has its hand-off recorded, so a worker that dies now leaves it to the
    sweep as an interrupted hand-off (failed, never sent twice), as a death between the
    message and its record always did; the batch only widens that moment to a few messages.
    """

    FLUSH_EVERY = 20
    FLUSH_AFTER = dt.timedelta(milliseconds=250)

    def __init__(self, queue: Queue) -> None:
        self.queue = queue
        self.rows: list[tuple[Any, Any]] = []
        self.since: dt.datetime | None = None
        self.total = 0

    def add(self, row, result) -> None:
        now = timezone.now()
        self.rows.append((row, result))
        self.total += 1
        self.since = self.since or now
        if len(self.rows) >= self.FLUSH_EVERY or now - self.since >= self.FLUSH_AFTER:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        queue, now = self.queue, timezone.now()
        groups: list[tuple[str, dict, list]] = []  # (claim token, fields, rows)
        for row, result in self.rows:
            fields = queue.sent(row, result, now)
            same = next((g for g in groups if g[0] == row.claimed_by and g[1] == fields), None)
            if same is None:
                groups.append((row.claimed_by, fields, [row]))
            else:
                same[2].append(row)
        for token, fields, rows in groups:
            queue.model._default_manager.filter(
                pk__in=[row.pk for row in rows], state=queue.sending, claimed_by=token
            ).update(**fields, lease_expires_at=None, claimed_by="", updated_at=now)
            for row in rows:
                for name, value in fields.items():
                    setattr(row, name, value)
        done, self.rows, self.since = self.rows, [], None
        for row, _result in done:
            queue.after_sent(row)


def _send(queue: Queue, row, transport, message, *, circuits: Circuits, accepted: Accepted):
    destination = transport.destination_of(message)
    state = circuits.check(destination, timezone.now())
    if state == DOWN:
        give_back(queue, row)
        return

    def mark_handoff() -> None:
        if not queue.hand_off(row, timezone.now()):
            raise _LostClaim  # another worker has the row now, or it must not go any more

    try:
        result = transport.send(message, before_handoff=mark_handoff)
    except _LostClaim:
        log.info("%s %s: not ours to send any more at the hand-off", queue.name, row.pk)
        return
    except TransportError as error:
        accepted.flush()
        _after_error(queue, row, error, destination=destination, circuits=circuits)
        return
    if state == PROBE:
        log.info("%s is back: a probe got through", destination)
    if destination in circuits.rows:
        circuits.close(destination)
    accepted.add(row, result)


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
        held(queue, row).update(
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
    held(queue, row).update(**fields, lease_expires_at=None, claimed_by="", updated_at=now)
    queue.after_failure(row, error)
    log.error("%s %s failed (%s): %s", queue.name, row.pk, reason, error)


def give_back(queue: Queue, row) -> None:
    """Back to waiting, untouched: the attempt this claim counted is not spent."""
    held(queue, row).update(
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
