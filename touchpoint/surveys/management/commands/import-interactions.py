import csv
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from touchpoint.accounts.models import Account
from touchpoint.surveys.csv_import import CsvFileError, import_interactions


class Command(BaseCommand):
    help = (
        "Import interactions from a UTF-8 CSV file. The whole file is checked first; if any row "
        "is wrong nothing is imported (unless --partial) and a row-by-row error report is "
        "written. Columns: external_id, touchpoint, unit, occurred_at, contact_email, "
        "contact_phone, contact_external_id, contact_name, contact_locale, contact_time_zone, "
        "contact.<attribute>, property.<name>, and optionally score, comment, answered_at, "
        "response_channel for answers collected elsewhere."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--account", default=None, help="Account slug (default: the only one).")
        parser.add_argument("--errors", default=None, help="Error report path (FILE.errors.csv).")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Import the valid rows even if some rows are wrong.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self,
        *args,
        file: str,
        account: str | None,
        errors: str | None,
        partial: bool,
        no_progress: bool,
        **options,
    ):
        target = self._account(account)
        if connection.vendor == "sqlite":
            # A bulk load touches index pages all over the file; SQLite's default 2 MB page
            # cache makes most of those reads go back to the operating system.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB, this process only
        errors_path = errors or f"{file}.errors.csv"
        bars: dict[str, tqdm] = {}

        def progress(stage: str, rows: int) -> None:
            if stage not in bars:
                label = "Checking" if stage == "check" else "Importing"
                bars[stage] = tqdm(
                    desc=label, unit=" rows", file=sys.stderr, disable=no_progress, smoothing=0.1
                )
            bars[stage].update(rows)

        try:
            with open(errors_path, "w", newline="", encoding="utf-8") as report_file:
                writer = csv.writer(report_file)
                writer.writerow(["line", "field", "message"])
                report = import_interactions(
                    target, file, error_writer=writer, partial=partial, progress=progress
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
        states = ", ".join(f"{n} {s}" for s, n in sorted(report.invitations.items())) or "none"
        self.stdout.write(
            f"Imported {report.imported} interaction(s) ({report.repeated} already there, "
            f"skipped); invitations: {states}; answers stored: {report.responses}."
        )

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
