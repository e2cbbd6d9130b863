from django.core.management.base import BaseCommand, CommandError

from touchpoint.accounts.models import Account
from touchpoint.setup import units as sync
from touchpoint.setup.unitrows import SyncRefused, read_unit_csv


class Command(BaseCommand):
    help = (
        "Sync the organisation from a UTF-8 CSV unit file (columns code, name, kind, parent, "
        "time_zone, managers, attribute.<name>). The whole file is checked first and refused "
        "as a whole, with line numbers, for an unknown parent, a cycle, a repeated code or a bad "
        "time zone; then the plan is printed and applied in one transaction. Units missing from "
        "the file are only listed unless --close-missing; nothing is deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--account", default=None, help="Account slug (default: the only one).")
        parser.add_argument("--dry-run", action="store_true", help="Print the plan only.")
        parser.add_argument(
            "--close-missing",
            action="store_true",
            help="Close active units that are not in the file (their history stays).",
        )
        parser.add_argument(
            "--remove-missing-members",
            action="store_true",
            help="Remove people not listed in a unit's managers (admins are never removed).",
        )

    def handle(self, *args, file, account, dry_run, close_missing, remove_missing_members, **_):
        target = self._account(account)
        try:
            with open(file, encoding="utf-8-sig", newline="") as source:
                rows, errors = read_unit_csv(source)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text. Nothing was changed.") from None
        options = {
            "close_missing": close_missing,
            "remove_missing_members": remove_missing_members,
        }
        try:
            if errors:
                raise SyncRefused(errors)
            if dry_run:
                plan = sync.prepare(target, rows, **options)
            else:
                plan = sync.do_apply_sync(
                    target, rows, by="touchpoint import-units", source=file, **options
                )
        except SyncRefused as refused:
            for error in refused.errors:
                self.stderr.write(f"{error['field']}: {error['message']}")
            raise CommandError(
                f"The file is refused as a whole: {len(refused.errors)} problem(s). "
                "Nothing was changed."
            ) from None
        self._print(plan, applied=not dry_run)

    def _account(self, slug: str | None) -> Account:
        if slug:
            found = Account.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No account with slug {slug!r}.")
            return found
        accounts = list(Account.objects.all()[:2])
        if len(accounts) != 1:
            raise CommandError("Say which account with --account SLUG.")
        return accounts[0]

    def _print(self, plan: sync.Plan, *, applied: bool) -> None:
        for change in plan.changes:
            what = " → ".join(part for part in (change.before, change.after) if part)
            self.stdout.write(f"{change.kind:<14} {change.code:<24} {change.label:<11} {what}")
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in plan.counts.items() if n)
        summary = f"{counts or 'no change'}; {plan.unchanged} unchanged."
        if not plan.has_changes:
            self.stdout.write(f"Nothing to change: {summary}")
        elif applied:
            self.stdout.write(f"Applied: {summary}")
        else:
            self.stdout.write(f"Plan (dry run, nothing changed): {summary}")
