from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from touchpoint.accounts.models import Account
from touchpoint.analysis.starter import do_create_starter_taxonomy
from touchpoint.demo.seed import ACCOUNT_SLUG, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo account (slug demo): Nimbus Mobile, a smartphone brand with stores, "
        "support vendors and repair centres, a year of survey history, and a few interactions "
        "just now for the worker to send. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interactions",
            type=int,
            default=50_000,
            help="Interactions of history to create (default 50,000).",
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed of the history.")

    def handle(self, *args, interactions: int, seed: int, **options):
        if interactions < 0:
            raise CommandError("--interactions cannot be negative.")
        summary = seed_demo(interactions=interactions, seed=seed)
        for line in summary.lines():
            self.stdout.write(line)
        # Comment analysis: the smartphone brand's starter themes, then every comment tagged
        # now (the worker would do it too, within a minute or two).
        themes = do_create_starter_taxonomy(Account.objects.get(slug=ACCOUNT_SLUG))
        call_command("analyse-comments", account=ACCOUNT_SLUG, no_progress=True, stdout=self.stdout)
        self.stdout.write(f"  themes: {themes} added by this run")
