import csv
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from touchpoint.accounts.models import Account
from touchpoint.delighted.actions import DelightedError, access_project
from touchpoint.delighted.importer import import_export
from touchpoint.surveys.csv_import import CsvFileError


class Command(BaseCommand):
    help = (
        "Import a Delighted CSV export: survey responses (a Score column: Response ID, Score, "
        "Comment, Response Timestamp, Name, Email, Phone Number, Notes, Tags, and any property "
        "columns) or a people list (Name, Email, Phone Number, Last Sent At, Unsubscribed At, "
        "property columns). The whole file is checked first; if any row is wrong nothing is "
        "imported (unless --partial) and FILE.errors.csv lists line, field and message. "
        "Answers keep their original dates in reports. Running it again skips rows already in."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--account", default=None, help="Account slug (default: the only one).")
        parser.add_argument("--errors", default=None, help="Error report path (FILE.errors.csv).")
        parser.add_argument(
            "--partial", action="store_true", help="Import the valid rows even if some are wrong."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, account, errors, partial, no_progress, **options):
        target = self._account(account)
        try:
            project = access_project(target)
        except DelightedError as error:
            raise CommandError(f"The account cannot take Delighted data: {error.errors}") from None
        errors_path = errors or f"{file}.errors.csv"
        bars: dict[str, tqdm] = {}

        def progress(stage: str, rows: int) -> None:
            if stage not in bars:
                label = "Checking" if stage == "check" else "Importing"
                bars[stage] = tqdm(desc=label, unit=" rows", file=sys.stderr, disable=no_progress)
            bars[stage].update(rows)

        try:
            with open(errors_path, "w", newline="", encoding="utf-8") as report_file:
                writer = csv.writer(report_file)
                writer.writerow(["line", "field", "message"])
                report = import_export(
                    project, file, error_writer=writer, partial=partial, progress=progress
                )
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {error.filename}") from None
        except CsvFileError as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        finally:
            for bar in bars.values():
                bar.close()

        if report.errors:
            self.stderr.write(f"{report.errors} error(s) in {report.rows} rows: see {errors_path}")
            if not partial:
                raise CommandError("Nothing was imported. Fix the rows, or use --partial.")
        else:
            os.remove(errors_path)
        what = "response(s)" if report.kind == "responses" else "person(s)"
        self.stdout.write(
            f"Imported {report.imported} {what} from Delighted ({report.repeated} already there, "
            "skipped)."
        )

    def _account(self, slug):
        if slug:
            found = Account.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No account with slug {slug!r}.")
            return found
        accounts = list(Account.objects.all()[:2])
        if len(accounts) != 1:
            raise CommandError("Say which account with --account SLUG.")
        return accounts[0]
