from django.core.management.base import BaseCommand, CommandError

from touchpoint.accounts.models import Account
from touchpoint.reports.folding import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the rollups (score histograms per unit and period, and per value of each "
        "declared dimension) from the responses."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Account slug (default: every account).")

    def handle(self, *args, account: str | None, **options):
        accounts = Account.objects.all()
        if account:
            accounts = accounts.filter(slug=account)
            if not accounts:
                raise CommandError(f"No account with slug {account!r}.")
        for each in accounts:
            counted = rebuild(each)
            self.stdout.write(f"{each.slug}: rollups rebuilt from {counted} answers")
