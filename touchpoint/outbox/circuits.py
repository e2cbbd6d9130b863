"""Circuits: a destination that is down pauses its messages instead of burning their retries.

Shared by every worker through the `Circuit` table. A pass reads the circuits once
(`Circuits.load`), then asks per message whether its destination is up, down, or due for a
probe; exactly one worker wins each probe (a conditional UPDATE on the row).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from touchpoint.outbox.models import Circuit

FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(minutes=10)
PROBE_LEASE = dt.timedelta(minutes=2)  # a probe whose worker died is tried again after this

UP, DOWN, PROBE = "up", "down", "probe"


def scaled(span: dt.timedelta) -> dt.timedelta:
    """An outbox wait as configured: itself, or shortened for a benchmark (OUTBOX_TIME_SCALE)."""
    return span * settings.OUTBOX_TIME_SCALE


def wait_after(failures: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … up to 10 min between probes of a destination still down."""
    return scaled(min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(failures - 1, 10)))


class Circuits:
    """The circuits as one sending pass sees them, kept current as it trips and closes them."""

    def __init__(self, rows: dict[str, Circuit]) -> None:
        self.rows = rows
        self.probing: set[str] = set()  # probes this pass won and has not finished

    @classmethod
    def load(cls) -> Circuits:
        return cls({c.destination: c for c in Circuit.objects.all()})

    def down(self, now: dt.datetime) -> set[str]:
        """Destinations none of whose messages should be claimed now."""
        return {d for d, c in self.rows.items() if c.retry_at > now}

    def check(self, destination: str, now: dt.datetime) -> str:
        """UP, DOWN, or PROBE (this worker won the right to try one message now)."""
        circuit = self.rows.get(destination)
        if circuit is None:
            return UP
        if destination in self.probing or circuit.retry_at > now:
            return DOWN
        won = Circuit.objects.filter(pk=circuit.pk, retry_at__lte=now).update(
            state=Circuit.State.PROBING, retry_at=now + scaled(PROBE_LEASE)
        )
        circuit.retry_at = now + scaled(PROBE_LEASE)
        if not won:
            return DOWN
        self.probing.add(destination)
        return PROBE

    def trip(
        self,
        destination: str,
        error: str,
        now: dt.datetime,
        *,
        retry_after: dt.timedelta | None = None,
    ) -> Circuit:
        """The destination is down: open (or reopen) its circuit, waiting longer each time,
        or exactly as long as it asked (`retry_after`, an HTTP Retry-After)."""
        self.probing.discard(destination)
        updated = Circuit.objects.filter(destination=destination)
        if updated.update(
            state=Circuit.State.OPEN, failures=F("failures") + 1, last_error=error[:500]
        ):
            circuit = updated.get()
            circuit.retry_at = now + (retry_after or wait_after(circuit.failures))
            Circuit.objects.filter(pk=circuit.pk).update(retry_at=circuit.retry_at)
        else:
            try:
                with transaction.atomic():
                    circuit = Circuit.objects.create(
                        destination=destination,
                        opened_at=now,
                        retry_at=now + (retry_after or wait_after(1)),
                        last_error=error[:500],
                    )
            except IntegrityError:  # another worker opened it at the same moment
                circuit = Circuit.objects.get(destination=destination)
        self.rows[destination] = circuit
        return circuit

    def close(self, destination: str) -> None:
        """A message got through: the destination is back."""
        self.probing.discard(destination)
        if self.rows.pop(destination, None) is not None:
            Circuit.objects.filter(destination=destination).delete()


def open_circuits() -> list[Circuit]:
    """For pages and checks: every destination currently down."""
    return list(Circuit.objects.order_by("opened_at"))
