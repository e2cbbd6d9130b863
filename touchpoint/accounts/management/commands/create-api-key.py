from django.core.management.base import BaseCommand, CommandError

from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Account, Unit


class Command(BaseCommand):
    help = (
        "Mint an API key for an account (or, with --unit, for one unit and what is below it) "
        "and print it (it is shown only this once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("account_slug")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--unit", help="Unit code: the key sees that unit's subtree only.")

    def handle(self, *args, account_slug: str, name: str, unit: str | None, **options):
        account = Account.objects.filter(slug=account_slug).first()
        if account is None:
            raise CommandError(f"No account with slug {account_slug!r}.")
        scope = None
        if unit:
            scope = Unit.objects.filter(account=account, code=unit).first()
            if scope is None:
                raise CommandError(f"No unit with code {unit!r} in {account_slug}.")
        new = do_create_api_key(account=account, name=name, unit=scope)
        self.stdout.write(new.secret)
