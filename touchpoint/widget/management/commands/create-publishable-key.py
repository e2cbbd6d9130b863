from django.core.management.base import BaseCommand, CommandError

from touchpoint.accounts.models import Account, Unit
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.widget.actions import do_create_publishable_key


class Command(BaseCommand):
    help = (
        "Create a publishable key for the website widget and print it. It is public by design "
        "(it goes in the page); it only asks the question of its touchpoint, from the origins "
        "given, and stores answers for its unit."
    )

    def add_arguments(self, parser):
        parser.add_argument("account_slug")
        parser.add_argument("--touchpoint", default="landing-page", help="a widget touchpoint")
        parser.add_argument("--unit", required=True, help="unit code anonymous answers go to")
        parser.add_argument(
            "--origin", action="append", required=True, help="e.g. https://shop.example.com"
        )
        parser.add_argument("--name", default="website")

    def handle(self, *args, account_slug, touchpoint, unit, origin, name, **options):
        account = Account.objects.filter(slug=account_slug).first()
        if account is None:
            raise CommandError(f"No account with slug {account_slug!r}.")
        found = Touchpoint.objects.filter(account=account, slug=touchpoint).first()
        if found is None or found.channel != Channel.WIDGET:
            raise CommandError(f"No website-widget touchpoint {touchpoint!r} in {account_slug}.")
        responsible = Unit.objects.filter(account=account, code=unit).first()
        if responsible is None:
            raise CommandError(f"No unit with code {unit!r} in {account_slug}.")
        for value in origin:
            if not value.startswith(("https://", "http://")) or value.count("/") > 3:
                raise CommandError(f"{value!r} is not an origin such as https://shop.example.com")
        key = do_create_publishable_key(
            account=account, name=name, touchpoint=found, unit=responsible, origins=origin
        )
        self.stdout.write(key.key)
