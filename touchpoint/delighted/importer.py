"""Importing Delighted's CSV exports: survey responses (with notes, tags and properties) and
people lists. Streamed in chunks; the whole file is checked before anything is written; then,
unless partial, it is imported in one transaction, so a failure leaves nothing behind.

Responses go through intake (`record_interactions` with the answer attached), so they are
stored with their original dates and their rollups' changes logged in the same transaction
(the answer events). Each response's interaction has the external id
`delighted-<Response ID>`: running the same import again skips what is already in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.db.models import Q
from pydantic import ValidationError

from touchpoint.contacts.actions import resolve_contacts
from touchpoint.contacts.models import Contact
from touchpoint.delighted.models import Project, ResponseExtra
from touchpoint.intake.actions import check_interactions, record_interactions
from touchpoint.intake.csv_import import CsvFileError, open_csv
from touchpoint.intake.schemas import ContactIn, InteractionIn, field_errors
from touchpoint.lib.csv_rows import StrictReader

CHUNK = 2000

# Delighted's column titles (and a few spellings seen in older exports), normalised.
ALIASES = {
    "response id": "response_id",
    "id": "response_id",
    "score": "score",
    "comment": "comment",
    "response timestamp": "created_at",
    "created at": "created_at",
    "date": "created_at",
    "date (utc)": "created_at",
    "responded at": "created_at",
    "updated at": "updated_at",
    "response updated timestamp": "updated_at",
    "person id": "person_id",
    "name": "name",
    "email": "email",
    "phone number": "phone_number",
    "phone": "phone_number",
    "notes": "notes",
    "tags": "tags",
    "survey type": "survey_type",
    "permalink": "permalink",
    "last sent at": "last_sent_at",
    "last responded at": "last_responded_at",
    "unsubscribed at": "unsubscribed_at",
    "locale": "locale",
}
# Read by the importer itself, not kept as properties.
IGNORED = {"updated_at", "survey_type", "permalink", "last_responded_at"}
_SPACES = re.compile(r"[\s_]+")


@dataclass
class Report:
    kind: str = ""
    rows: int = 0
    errors: int = 0
    imported: int = 0
    repeated: int = 0


def normalise(title: str) -> str:
    return _SPACES.sub(" ", title.strip().lower())


def parse_time(value: str) -> dt.datetime:
    """Unix seconds, ISO 8601, or Delighted's "2024-04-19 03:29:56 UTC" / "… -0700".
    A time without an offset is UTC, as in Delighted's exports."""
    text = value.strip()
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
    text = re.sub(r"\s*(UTC|GMT|Z)$", "+00:00", text)
    text = re.sub(r"\s+([+-]\d{2}):?(\d{2})$", r"\1:\2", text)
    parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _columns(header: list[str] | None) -> list[tuple[str, str]]:
    """(original title, canonical name or "property") for each column."""
    if not header:
        raise CsvFileError("The file is empty: expected Delighted's header row.")
    out = []
    for title in header:
        canonical = ALIASES.get(normalise(title))
        out.append((title, canonical or "property"))
    names = [c for _, c in out if c != "property"]
    repeated = {c for c in names if names.count(c) > 1}
    if repeated:
        raise CsvFileError(f"Wrong header: repeated column(s) {', '.join(sorted(repeated))}.")
    if not {"email", "phone_number", "person_id"} & set(names):
        raise CsvFileError(
            "Wrong header: a Delighted export has an Email, Phone Number or Person ID column."
        )
    return out


def _rows(stream: IO[str]) -> Iterator[tuple[str, int, dict[str, str], dict[str, str]]]:
    """(kind, line, known cells, property cells) per row; kind is "responses" when the file has
    a Score column, else "people". A malformed row (`StrictReader`) has only "__error__"."""
    reader = StrictReader(stream)
    try:
        records = iter(reader)
        first = next(records, None)
        if first is not None and first[2]:
            raise CsvFileError(f"Wrong header: it {first[2]}.")
        columns = _columns(first and first[1])
        kind = "responses" if any(c == "score" for _, c in columns) else "people"
        for line, cells, problem in records:
            if cells is None:
                yield kind, line, {"__error__": problem}, {}
                continue
            if not any(cell.strip() for cell in cells):
                continue
            known: dict[str, str] = {}
            properties: dict[str, str] = {}
            for (title, name), cell in zip(columns, cells, strict=True):
                cell = cell.strip()
                if not cell:
                    continue
                if name == "property":
                    properties[title.strip()[:60]] = cell
                elif name not in IGNORED:
                    known[name] = cell
            yield kind, line, known, properties
    except UnicodeDecodeError as error:
        raise CsvFileError(
            f"The file is not UTF-8 text (near line {reader.line_num + 1})."
        ) from error


@dataclass
class Row:
    line: int
    item: InteractionIn | None = None  # a response
    contact: ContactIn | None = None  # a person
    last_sent_at: dt.datetime | None = None
    unsubscribed_at: dt.datetime | None = None
    response_id: str = ""
    tags: list[str] | None = None
    notes: list[dict] | None = None


def _contact(known: dict[str, str], attributes: dict[str, str] | None = None) -> dict:
    contact: dict = {}
    if known.get("email"):
        contact["email"] = known["email"]
    if known.get("phone_number"):
        contact["phone"] = known["phone_number"]
    if known.get("person_id") and not contact:
        contact["external_id"] = f"delighted-person-{known['person_id']}"
    for name in ("name", "locale"):
        if known.get(name):
            contact[name] = known[name]
    if attributes:
        contact["attributes"] = attributes
    return contact


def _parse(
    kind: str, line: int, known: dict, properties: dict, project: Project
) -> tuple[Row, list[dict[str, str]]]:
    errors: list[dict[str, str]] = []
    row = Row(line)
    if "__error__" in known:
        return row, [{"field": "row", "message": known["__error__"]}]

    def when(name: str) -> dt.datetime | None:
        if not known.get(name):
            return None
        try:
            return parse_time(known[name])
        except ValueError:
            errors.append({"field": name, "message": f"is not a date and time: {known[name]!r}"})
            return None

    if kind == "people":
        row.last_sent_at = when("last_sent_at")
        row.unsubscribed_at = when("unsubscribed_at")
        try:
            row.contact = ContactIn.model_validate(_contact(known, properties))
        except ValidationError as error:
            errors += field_errors(error)
        return row, errors

    answered_at = when("created_at")
    if answered_at is None and "created_at" not in known:
        errors.append({"field": "created_at", "message": "is required (Response Timestamp)"})
    score = known.get("score", "")
    row.response_id = known.get("response_id", "")
    row.tags = [t.strip() for t in known.get("tags", "").split(",") if t.strip()]
    row.notes = [
        {"text": n.strip(), "user_email": None, "created_at": None}
        for n in known.get("notes", "").split("\n")
        if n.strip()
    ]
    if errors:
        return row, errors
    payload = {
        "external_id": f"delighted-{row.response_id}" if row.response_id else "",
        "touchpoint": project.email_touchpoint.slug,
        "unit": project.unit.code,
        "occurred_at": answered_at,
        "contact": _contact(known),
        "properties": properties,
        "response": {
            "score": int(score) if score.isdigit() else score,
            "comment": known.get("comment", ""),
            "answered_at": answered_at,
        },
    }
    try:
        row.item = InteractionIn.model_validate(payload)
    except ValidationError as error:
        errors += field_errors(error)
    return row, errors


def _chunks(stream: IO[str], project: Project) -> Iterator[tuple[str, list[tuple[Row, list]]]]:
    chunk: list[tuple[Row, list]] = []
    kind = ""
    for kind, line, known, properties in _rows(stream):
        chunk.append(_parse(kind, line, known, properties, project))
        if len(chunk) >= CHUNK:
            yield kind, chunk
            chunk = []
    if chunk:
        yield kind, chunk


def import_export(
    project: Project,
    path: str,
    *,
    error_writer=None,
    partial: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> Report:
    """Check the whole file, then import it: all or nothing unless `partial`."""
    account = project.account
    report = Report()
    bad: set[int] = set()
    seen: dict[str, int] = {}

    def error(line: int, field: str, message: str) -> None:
        report.errors += 1
        bad.add(line)
        if error_writer is not None:
            error_writer.writerow([line, field, message])

    with open_csv(path) as stream:
        for kind, chunk in _chunks(stream, project):
            report.kind = kind
            valid = []
            for row, errors in chunk:
                report.rows += 1
                for e in errors:
                    error(row.line, e["field"], e["message"])
                if row.response_id:
                    if row.response_id in seen:
                        error(row.line, "response_id", f"repeats line {seen[row.response_id]}")
                        continue
                    seen[row.response_id] = row.line
                if row.item is not None and not errors:
                    valid.append(row)
            if valid:
                *_, errors, _ = check_interactions(
                    account, [r.item for r in valid], labels=[f"line {r.line}" for r in valid]
                )
                for e in errors:
                    label, _, name = e["field"].partition(".")
                    error(int(label.split()[1]), name, e["message"])
            if progress:
                progress("check", len(chunk))
    if report.errors and not partial:
        return report

    # One transaction unless partial: an import that fails half-way leaves nothing behind.
    atomic = transaction.atomic() if not partial else _nothing()
    with atomic, open_csv(path) as stream:
        for kind, chunk in _chunks(stream, project):
            rows = [row for row, errors in chunk if not errors and row.line not in bad]
            if kind == "people":
                _import_people(account, rows, report)
            else:
                _import_responses(account, rows, report, error, partial=partial)
            if progress:
                progress("import", len(chunk))
    return report


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _import_responses(account, rows: list[Row], report: Report, error, *, partial: bool) -> None:
    if not rows:
        return
    result = record_interactions(
        account, [r.item for r in rows], labels=[f"line {r.line}" for r in rows]
    )
    if not result.ok:  # changed since the check, e.g. by a concurrent import
        for e in result.errors:
            label, _, name = e["field"].partition(".")
            error(int(label.split()[1]), name, e["message"])
        if partial:
            return
        raise CsvFileError("Rows changed meaning during the import (another import at once?).")
    extras = []
    latest: dict[int, dt.datetime] = {}
    for row, outcome in zip(rows, result.items, strict=True):
        if not outcome.created:
            report.repeated += 1
            continue
        report.imported += 1
        response = outcome.response
        if row.response_id or row.tags or row.notes:
            extras.append(
                ResponseExtra(
                    account=account,
                    response=response,
                    delighted_id=row.response_id or None,
                    tags=row.tags or [],
                    notes=row.notes or [],
                )
            )
        contact_id = response.contact_id
        if contact_id and (contact_id not in latest or latest[contact_id] < response.answered_at):
            latest[contact_id] = response.answered_at
    ResponseExtra.objects.bulk_create(extras, batch_size=500)
    _keep_quarantine(latest)


def _keep_quarantine(latest: dict[int, dt.datetime]) -> None:
    """A person who answered a Delighted survey was surveyed then: Touchpoint's quarantine
    counts from that date, so nobody is surveyed again too soon after moving."""
    for contact_id, at in latest.items():
        Contact.objects.filter(pk=contact_id).filter(
            Q(last_invited_at__isnull=True) | Q(last_invited_at__lt=at)
        ).update(last_invited_at=at)


def _import_people(account, rows: list[Row], report: Report) -> None:
    if not rows:
        return
    contacts = resolve_contacts(account, [r.contact for r in rows])
    latest: dict[int, dt.datetime] = {}
    for row, contact in zip(rows, contacts, strict=True):
        report.imported += 1
        if row.last_sent_at:
            latest[contact.pk] = max(row.last_sent_at, latest.get(contact.pk, row.last_sent_at))
        if row.unsubscribed_at:
            Contact.objects.filter(pk=contact.pk, opted_out_at__isnull=True).update(
                opted_out_at=row.unsubscribed_at
            )
    _keep_quarantine(latest)
