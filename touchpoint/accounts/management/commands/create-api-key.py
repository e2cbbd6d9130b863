from django.core.management.base import BaseCommand, CommandError

from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Account


class Command(BaseCommand):
    help = "Mint an API key for an account and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("account_slug")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, account_slug: str, name: str, **options):
        account = Account.objects.filter(slug=account_slug).first()
        if account is None:
            raise CommandError(f"No account with slug {account_slug!r}.")
        new = do_create_api_key(account=account, name=name)
        self.stdout.write(new.secret)
