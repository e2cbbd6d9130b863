from functools import partial as bind

from django.core.management.base import CommandError

from touchpoint.delighted.actions import DelightedError, access_project
from touchpoint.delighted.importer import import_export
from touchpoint.intake.management.csv_command import CsvImportCommand
from touchpoint.lib.numbers import format_count


class Command(CsvImportCommand):
    help = (
        "Import a Delighted CSV export: survey responses (a Score column: Response ID, Score, "
        "Comment, Response Timestamp, Name, Email, Phone Number, Notes, Tags, and any property "
        "columns) or a people list (Name, Email, Phone Number, Last Sent At, Unsubscribed At, "
        "property columns). The whole file is checked first; if any row is wrong nothing is "
        "imported (unless --partial) and FILE.errors.csv lists line, field and message. "
        "Answers keep their original dates in reports. Running it again skips rows already in."
    )

    def handle(self, *args, file, account, errors, partial, no_progress, **options):
        target = self.account(account)
        try:
            project = access_project(target)
        except DelightedError as error:
            raise CommandError(f"The account cannot take Delighted data: {error.errors}") from None
        report = self.run_import(
            file,
            bind(import_export, project),
            errors=errors,
            partial=partial,
            no_progress=no_progress,
        )
        what = "response(s)" if report.kind == "responses" else "person(s)"
        self.stdout.write(
            f"Imported {format_count(report.imported)} {what} from Delighted "
            f"({format_count(report.repeated)} already there, skipped)."
        )
