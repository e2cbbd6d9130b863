"""The background worker: sends due invitations and notifications, sweeps (leases, ticket
SLAs, digests), and runs queued django-tasks."""

from __future__ import annotations

import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from touchpoint.digests import actions as digests
from touchpoint.events import actions as events
from touchpoint.notifications import delivery as notifications
from touchpoint.surveys import delivery, recurring
from touchpoint.tickets.actions import sweep_tickets
from touchpoint.widget.actions import prune_rate_counters

PRUNE_EVERY = 3600.0  # seconds
DIGESTS_EVERY = 60.0


class Command(BaseCommand):
    help = (
        "Run the background worker. Any number may run, on any number of machines: each "
        "invitation is claimed by exactly one of them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--sweep-every", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args, interval: float, sweep_every: float, once: bool, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        worker_id = get_random_string(12)
        tasks = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=100,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.stdout.write(f"Worker {worker_id} started")
        # Every periodic step runs on the first pass: the monotonic clock counts from boot, so
        # starting from 0.0 would skip the hourly prune for a machine's first hour.
        last_sweep = last_prune = last_digests = float("-inf")
        while self.running:
            close_old_connections()
            if time.monotonic() - last_sweep >= sweep_every:
                delivery.sweep()
                events.sweep()
                notifications.sweep()
                sweep_tickets()
                notifications.bundle_digests()
                last_sweep = time.monotonic()
            if time.monotonic() - last_prune >= PRUNE_EVERY:
                # Finished task results are kept 14 days for inspection, then deleted.
                call_command("prune_db_task_results", queue_name="*", verbosity=0)
                prune_rate_counters()  # the widget's finished rate-limit windows
                events.prune()  # relayed events older than 30 days
                last_prune = time.monotonic()
            recurring.run_due()  # relationship surveys whose members are due
            if time.monotonic() - last_digests >= DIGESTS_EVERY:
                # Monday 08:00 local: each person's digest row is created once, then sent once.
                digests.schedule_digests()
                digests.send_due_digests()
                last_digests = time.monotonic()
            sent = delivery.send_due_invitations()
            sent += events.relay()  # domain events to webhooks, copies, connectors
            sent += notifications.send_due_deliveries()
            tasks._run_tasks = 0  # max_tasks bounds one pass, not the life of the worker
            tasks.run()
            if once:
                break
            if not sent:
                time.sleep(interval)

    def _stop(self, signum, frame):
        # Finish the invitation in hand, then leave; a hard kill is covered by the sweep.
        self.running = False
