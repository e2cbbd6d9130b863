from django.core.management.base import BaseCommand, CommandError

from touchpoint.demo.seed import seed_demo


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
