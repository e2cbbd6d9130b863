"""Streaming CSV import of interactions: check the whole file, then import it in chunks.

Memory stays flat whatever the file size: rows are read one chunk at a time; only the set of
external ids seen (to catch duplicates across the file) grows with it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from pydantic import ValidationError

from touchpoint.accounts.models import Account
from touchpoint.surveys.actions import check_interactions, record_interactions
from touchpoint.surveys.schemas import InteractionIn, field_errors

CHUNK = 2000
REQUIRED = {"touchpoint", "unit", "occurred_at"}
IDENTIFIERS = {"contact_email", "contact_phone", "contact_external_id"}
CONTACT_COLUMNS = {
    f"contact_{n}" for n in ("external_id", "email", "phone", "name", "locale", "time_zone")
}
RESPONSE_COLUMNS = {"score", "comment", "answered_at", "response_channel"}
KNOWN = REQUIRED | CONTACT_COLUMNS | RESPONSE_COLUMNS | {"external_id"}
PREFIXES = ("contact.", "property.")


class CsvFileError(ValueError):
    """The file as a whole cannot be read (header, encoding): nothing was imported."""


@dataclass
class ImportReport:
    rows: int = 0
    errors: int = 0
    imported: int = 0
    repeated: int = 0
    invitations: Counter = field(default_factory=Counter)
    responses: int = 0


def check_header(header: list[str] | None) -> list[str]:
    if not header:
        raise CsvFileError("The file is empty: expected a header row.")
    problems = []
    missing = REQUIRED - set(header)
    if missing:
        problems.append(f"missing column(s): {', '.join(sorted(missing))}")
    if not IDENTIFIERS & set(header):
        problems.append(f"needs at least one of: {', '.join(sorted(IDENTIFIERS))}")
    unknown = [c for c in header if c not in KNOWN and not c.startswith(PREFIXES)]
    if unknown:
        problems.append(
            f"unknown column(s): {', '.join(unknown)} (extra data goes in contact.<name> or "
            "property.<name> columns)"
        )
    duplicates = [c for c, n in Counter(header).items() if n > 1]
    if duplicates:
        problems.append(f"repeated column(s): {', '.join(duplicates)}")
    if problems:
        raise CsvFileError("Wrong header: " + "; ".join(problems) + ".")
    return header


def row_to_payload(row: dict[str, str]) -> dict:
    """A CSV row as the API's JSON shape. Empty cells are absent values."""
    payload: dict = {"contact": {}, "properties": {}}
    attributes: dict[str, str] = {}
    response: dict = {}
    for column, value in row.items():
        if value is None or value == "":
            continue
        if column.startswith("contact."):
            attributes[column[8:]] = value
        elif column.startswith("property."):
            payload["properties"][column[9:]] = value
        elif column in CONTACT_COLUMNS:
            payload["contact"][column[8:]] = value
        elif column == "score":
            response["score"] = int(value) if value.strip().isdigit() else value
        elif column == "response_channel":
            response["channel"] = value
        elif column in RESPONSE_COLUMNS:
            response[column] = value
        else:
            payload[column] = value
    if attributes:
        payload["contact"]["attributes"] = attributes
    if response:
        payload["response"] = response
    return payload


def _rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(stream)
    try:
        check_header(reader.fieldnames)
        for row in reader:
            yield reader.line_num, ({"__extra__": "x"} if None in row else row)
    except UnicodeDecodeError as error:
        raise CsvFileError(
            f"The file is not UTF-8 text (near line {reader.line_num + 1}): save it as "
            "UTF-8 CSV and try again."
        ) from error
    except csv.Error as error:
        raise CsvFileError(f"Malformed CSV near line {reader.line_num}: {error}") from error


def _chunks(stream: IO[str]) -> Iterator[list[tuple[int, InteractionIn | None, list]]]:
    chunk: list[tuple[int, InteractionIn | None, list]] = []
    for line, row in _rows(stream):
        if "__extra__" in row:
            chunk.append(
                (line, None, [{"field": "row", "message": "has more cells than the header"}])
            )
        else:
            try:
                chunk.append((line, InteractionIn.model_validate(row_to_payload(row)), []))
            except ValidationError as error:
                chunk.append((line, None, field_errors(error)))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _line_and_field(label: str) -> tuple[int, str]:
    """ "line 17.contact.email" -> (17, "contact.email")."""
    line, _, name = label.partition(".")
    return int(line.split()[1]), name


def open_csv(path: str) -> IO[str]:
    return open(path, encoding="utf-8-sig", newline="")


def import_interactions(
    account: Account,
    path: str,
    *,
    error_writer: csv.writer | None = None,
    partial: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Check the whole file, then import it; with errors, import nothing unless `partial`.

    Errors are written as (line, field, message) rows. Repeats of already imported external
    ids are skipped, so an interrupted import can simply be run again.
    """
    report = ImportReport()
    bad_lines: set[int] = set()
    seen: set[str] = set()

    def error(line: int, field_name: str, message: str) -> None:
        report.errors += 1
        bad_lines.add(line)
        if error_writer is not None:
            error_writer.writerow([line, field_name, message])

    with open_csv(path) as stream:
        for chunk in _chunks(stream):
            valid = []
            for line, item, errors in chunk:
                report.rows += 1
                for e in errors:
                    error(line, e["field"], e["message"])
                if item is None:
                    continue
                if item.external_id:
                    if item.external_id in seen:
                        error(line, "external_id", "repeats an earlier row of this file")
                        continue
                    seen.add(item.external_id)
                valid.append((line, item))
            if valid:
                lines = [f"line {line}" for line, _ in valid]
                *_, errors, _conflict = check_interactions(
                    account, [item for _, item in valid], labels=lines
                )
                for e in errors:
                    error(*_line_and_field(e["field"]), e["message"])
            if progress:
                progress("check", len(chunk))
    if report.errors and not partial:
        return report

    with open_csv(path) as stream:
        for chunk in _chunks(stream):
            items = [(line, item) for line, item, _ in chunk if line not in bad_lines and item]
            if items:
                result = record_interactions(
                    account, [item for _, item in items], labels=[f"line {n}" for n, _ in items]
                )
                if not result.ok:  # changed since the check (e.g. a concurrent import)
                    for e in result.errors:
                        error(*_line_and_field(e["field"]), e["message"])
                    continue
                for outcome in result.items:
                    if not outcome.created:
                        report.repeated += 1
                        continue
                    report.imported += 1
                    if outcome.invitation:
                        report.invitations[outcome.invitation.state] += 1
                    if outcome.response:
                        report.responses += 1
            if progress:
                progress("import", len(chunk))
    return report
