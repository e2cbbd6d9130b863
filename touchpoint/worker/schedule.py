"""What the worker does, and how often: one list of steps, each an app's own function.

Every step is safe with any number of workers on any number of machines (each claims its
rows with a conditional UPDATE, or is idempotent), so the worker holds no state of its own
beyond when it last ran each step.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management import call_command
from django.db import close_old_connections

from touchpoint.alerts.actions import evaluate_alerts
from touchpoint.analysis.sweep import BATCH as ANALYSIS_BATCH
from touchpoint.analysis.sweep import analyse_pending
from touchpoint.connectors import delivery as connectors
from touchpoint.digests import actions as digests
from touchpoint.events import actions as events
from touchpoint.intake import recurring
from touchpoint.notifications import delivery as notifications
from touchpoint.notifications import people
from touchpoint.ratelimits import actions as ratelimits
from touchpoint.reports.folding import BATCH as FOLD_BATCH
from touchpoint.reports.folding import fold_pending
from touchpoint.surveys import delivery as invitations
from touchpoint.surveys import reminders
from touchpoint.tickets.actions import sweep_tickets

log = logging.getLogger("touchpoint.worker")


def _weekly_digests() -> int:
    digests.schedule_digests()
    return digests.send_due_digests()


def _prune_task_results() -> None:
    # Finished task results are kept 14 days for inspection, then deleted.
    call_command("prune_db_task_results", queue_name="*", verbosity=0)


# After a pass that found some work but no backlog, the worker waits this long before the
# next, so a steady trickle (answers coming in one by one) is handled in batches of a
# fraction of a second, not a pass per answer. The pass's dozen polling statements cost more
# than relaying or folding one answer: on PostgreSQL the worker spent 6 ms of CPU per answer
# under 50 answers/s (benchmarks/load.py).
GATHER = 0.25


@dataclass
class Step:
    name: str
    run: Callable[..., object]
    every: float  # seconds; 0: every pass
    busy: bool = False  # its result counts as work done (the worker does not sleep after it)
    # For a busy step: the most it does in one run (`run(limit=batch)`); a run that does
    # that much leaves a backlog, and the next pass follows at once.
    batch: int = 0
    last: float = float("-inf")  # monotonic time of the last run

    def due(self, now: float) -> bool:
        return now - self.last >= self.every


def steps(*, sweep_every: float = 30.0) -> list[Step]:
    """A fresh list per worker. Every periodic step runs on the first pass: the monotonic
    clock counts from boot, so a machine's first hour would otherwise skip the hourly ones."""
    return [
        # Sending: survey invitations, then domain events to their subscribers, then the
        # messages they made (notification emails, webhooks).
        Step("invitations", invitations.send_due_invitations, 0, busy=True, batch=200),
        Step("reminders", reminders.send_due_reminders, 0, busy=True, batch=200),
        Step("events", events.relay, 0, busy=True, batch=500),
        Step("deliveries", notifications.send_due_deliveries, 0, busy=True, batch=200),
        Step("member mails", people.send_due_member_mails, 0, busy=True, batch=200),
        Step("connector calls", connectors.send_due_calls, 0, busy=True, batch=200),
        Step("comment analysis", analyse_pending, 0, busy=True, batch=ANALYSIS_BATCH),
        # Answers' rollup changes into the rollups (and declared dimensions' backfills): every
        # pass, so within a second; figures are exact before that too (they add the log).
        Step("rollups", fold_pending, 0, busy=True, batch=FOLD_BATCH),
        Step("recurring surveys", recurring.run_due, 0),
        # Recovery from dead workers, SLAs, bundles: every `sweep_every` seconds.
        Step("invitations sweep", invitations.sweep, sweep_every),
        Step("reminders sweep", reminders.sweep, sweep_every),
        Step("events sweep", events.sweep, sweep_every),
        Step("deliveries sweep", notifications.sweep, sweep_every),
        Step("member mails sweep", people.sweep, sweep_every),
        Step("connector calls sweep", connectors.sweep, sweep_every),
        Step("ticket SLAs", sweep_tickets, sweep_every),
        Step("daily digests", notifications.bundle_digests, sweep_every),
        # Monday 08:00 local: each person's weekly digest row is made once, then built once.
        Step(
            "weekly digests", lambda: (digests.schedule_digests(), digests.send_due_digests()), 60
        ),
        Step("alerts", evaluate_alerts, 300),
        Step("rate windows", ratelimits.prune, 3600),
        Step("old events", events.prune, 3600),
        Step("task results", _prune_task_results, 3600),
    ]


class Pass(enum.Enum):
    IDLE = "idle"  # nothing to do: wait the poll interval
    WORKED = "worked"  # some work, all of it done: wait a moment (GATHER) for more
    BACKLOG = "backlog"  # a step did a whole batch: more is waiting, go on at once


def run_pass(schedule: list[Step]) -> Pass:
    """Run every step that is due and say what it found. A step that fails is logged and
    tried again on its next turn; the others go on (what it held is recovered by its own
    sweep)."""
    found = Pass.IDLE
    for step in schedule:
        now = time.monotonic()
        if not step.due(now):
            continue
        step.last = now
        try:
            result = step.run(limit=step.batch) if step.batch else step.run()
        except Exception:
            log.exception("worker step %r failed", step.name)
            close_old_connections()
            continue
        if not (step.busy and result):
            continue
        if step.batch and isinstance(result, int) and result >= step.batch:
            found = Pass.BACKLOG
        elif found is Pass.IDLE:
            found = Pass.WORKED
    return found
