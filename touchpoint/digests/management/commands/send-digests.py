"""`touchpoint send-digests`: send the weekly digests that are due (the worker does this too).
With --now, this week's digest is due for everyone right away (demo and testing); a person
who already had this week's gets nothing more."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from touchpoint.digests import actions
from touchpoint.notifications.delivery import send_due_deliveries


class Command(BaseCommand):
    help = "Send due weekly digests; --now makes this week's due for everyone immediately."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true")

    def handle(self, *args, now: bool, **options):
        created = actions.schedule_digests(force=now)
        built = actions.send_due_digests(limit=10_000)
        # They are in the outbox now; send them at once rather than wait for the worker.
        while send_due_deliveries(limit=500):
            pass
        self.stdout.write(f"{created} digest(s) scheduled, {built} sent")
