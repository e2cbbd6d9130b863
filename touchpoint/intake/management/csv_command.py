"""What every CSV import command shares: its options, the account it imports into, progress
bars, the row-by-row error report, and the all-or-nothing verdict."""

from __future__ import annotations

import contextlib
import csv
import os
import sys
from collections.abc import Callable
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from touchpoint.accounts.models import Account
from touchpoint.intake.csv_import import CsvFileError
from touchpoint.lib.numbers import format_count


class _ErrorReport:
    """FILE.errors.csv, written only if a row is wrong: a file refused as a whole (header,
    encoding) or a clean one leaves none. A report left by an earlier run is removed first,
    so the file on disk always describes the latest run."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.file: IO[str] | None = None
        self.writer: Any = None  # a csv writer, made on the first row
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)

    def writerow(self, row: list) -> None:
        if self.writer is None:
            self.file = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            self.writer = csv.writer(self.file)
            self.writer.writerow(["line", "field", "message"])
        self.writer.writerow(row)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class CsvImportCommand(BaseCommand):
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

    def account(self, slug: str | None) -> Account:
        if slug:
            found = Account.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No account with slug {slug!r}.")
            return found
        accounts = list(Account.objects.all()[:2])
        if len(accounts) != 1:
            raise CommandError("Say which account with --account SLUG.")
        return accounts[0]

    def run_import(
        self,
        file: str,
        do_import: Callable,
        *,
        errors: str | None,
        partial: bool,
        no_progress: bool,
    ):
        """Call `do_import(file, error_writer=..., partial=..., progress=...)` with progress
        bars and FILE.errors.csv; refuse (CommandError) when rows were wrong and not partial.
        Returns the importer's report."""
        errors_path = errors or f"{file}.errors.csv"
        bars: dict[str, tqdm] = {}

        def progress(stage: str, rows: int) -> None:
            if stage not in bars:
                label = "Checking" if stage == "check" else "Importing"
                bars[stage] = tqdm(
                    desc=label, unit=" rows", file=sys.stderr, disable=no_progress, smoothing=0.1
                )
            bars[stage].update(rows)

        writer = _ErrorReport(errors_path)
        try:
            report = do_import(file, error_writer=writer, partial=partial, progress=progress)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {error.filename}") from None
        except CsvFileError as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        finally:
            writer.close()
            for bar in bars.values():
                bar.close()

        if report.errors:
            self.stderr.write(
                f"{format_count(report.errors)} error(s) in {format_count(report.rows)} rows: "
                f"see {errors_path}"
            )
            if not partial:
                raise CommandError("Nothing was imported. Fix the rows, or use --partial.")
        return report
