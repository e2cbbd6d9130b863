"""`touchpoint analyse-comments [--account SLUG]`: analyse every answer's comment not yet
analysed (history, after an install or an import). Resumable: killed, it starts again where
it was (rows already done stay done; rows it held are free again when their lease ends).

`--rebuild-rollups` recomputes the theme rollups from the analyses instead (after changing an
account's time zone, or to check them), account by account, each in one transaction."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from touchpoint.accounts.models import Account
from touchpoint.analysis import rollups, sweep
from touchpoint.analysis.models import CommentAnalysis
from touchpoint.responses.models import Response


class Command(BaseCommand):
    help = "Analyse the comments of past answers (themes, sentiment, language)."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Account slug (default: every account).")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--rebuild-rollups", action="store_true", help="Recompute the theme rollups only."
        )

    def handle(
        self,
        *args,
        account: str | None,
        batch: int,
        no_progress: bool,
        rebuild_rollups: bool,
        **options,
    ):
        account_id = None
        if account:
            found = Account.objects.filter(slug=account).first()
            if found is None:
                raise CommandError(f"No account with slug {account!r}.")
            account_id = found.pk
        if rebuild_rollups:
            accounts = Account.objects.filter(pk=account_id) if account_id else Account.objects
            for each in accounts.order_by("pk"):
                counted = rollups.rebuild(each)
                self.stdout.write(f"{each.slug}: theme rollups rebuilt from {counted} answers")
            return
        created = self._mark(account_id)
        pending = CommentAnalysis.objects.filter(state=CommentAnalysis.State.PENDING)
        if account_id is not None:
            pending = pending.filter(account_id=account_id)
        total = pending.count()
        bar = tqdm(total=total, unit="answers", disable=no_progress or total == 0)
        done = 0
        while True:
            token, held = sweep.claim(batch, account_id=account_id)
            if not held:
                waiting = pending.count()
                if not waiting:
                    break
                # Rows held by a worker (or by a run of this command that was killed): free
                # again when their lease ends.
                bar.set_description(f"{waiting} held by another worker")
                time.sleep(2)
                continue
            n = sweep.process_claimed(token, held)
            done += n
            bar.update(n)
        bar.close()
        self.stdout.write(f"{done} answers analysed ({created} found without an analysis)")

    def _mark(self, account_id: int | None) -> int:
        """A pending row for every answer without one, in id order (idempotent)."""
        responses = Response.objects.filter(analysis__isnull=True)
        if account_id is not None:
            responses = responses.filter(account_id=account_id)
        created, last = 0, 0
        while True:
            ids = list(
                responses.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:5000]
            )
            if not ids:
                return created
            created += sweep.mark_pending(ids)
            last = ids[-1]
