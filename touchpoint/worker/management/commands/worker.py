"""`touchpoint worker`: the background worker. It runs each app's due step (`worker.schedule`:
sending, relaying events, sweeps, digests, alerts, comment analysis) and the queued
django-tasks, then sleeps a second when there was nothing to do, a quarter of one when it
caught up (`schedule.GATHER`), and goes straight on while a backlog remains."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from touchpoint.worker.schedule import GATHER, Pass, run_pass, steps


class Command(BaseCommand):
    help = (
        "Run the background worker. Any number may run, on any number of machines: every "
        "message, event and job is claimed by exactly one of them."
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
        schedule = steps(sweep_every=sweep_every)
        self.stdout.write(f"Worker {worker_id} started")
        while self.running:
            close_old_connections()
            found = run_pass(schedule)
            tasks._run_tasks = 0  # max_tasks bounds one pass, not the life of the worker
            tasks.run()
            if once:
                break
            if found is Pass.IDLE:
                time.sleep(interval)
            elif found is Pass.WORKED:
                time.sleep(min(interval, GATHER))

    def _stop(self, signum, frame):
        # Finish the step in hand, then leave; a hard kill is covered by the sweeps.
        self.running = False
