from functools import partial as bind

from django.db import connection

from touchpoint.intake.csv_import import import_interactions
from touchpoint.intake.management.csv_command import CsvImportCommand
from touchpoint.lib.heap import freeze_loaded
from touchpoint.lib.numbers import format_count


class Command(CsvImportCommand):
    help = (
        "Import interactions from a UTF-8 CSV file. The whole file is checked first; if any row "
        "is wrong nothing is imported (unless --partial) and a row-by-row error report is "
        "written. Columns: external_id, touchpoint, unit, occurred_at, contact_email, "
        "contact_phone, contact_external_id, contact_name, contact_locale, contact_time_zone, "
        "contact.<attribute>, property.<name>, and optionally score, comment, answered_at, "
        "response_channel for answers collected elsewhere."
    )

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
        target = self.account(account)
        # A long run in a loaded process: the application is left out of the collector's walks.
        freeze_loaded()
        if connection.vendor == "sqlite":
            # A bulk load touches index pages all over the file; SQLite's default 2 MB page
            # cache makes most of those reads go back to the operating system.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB, this process only
        report = self.run_import(
            file,
            bind(import_interactions, target),
            errors=errors,
            partial=partial,
            no_progress=no_progress,
        )
        states = (
            ", ".join(f"{format_count(n)} {s}" for s, n in sorted(report.invitations.items()))
            or "none"
        )
        self.stdout.write(
            f"Imported {format_count(report.imported)} interaction(s) "
            f"({format_count(report.repeated)} already there, skipped); invitations: {states}; "
            f"answers stored: {format_count(report.responses)}."
        )
