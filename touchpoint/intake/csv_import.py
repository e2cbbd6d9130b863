"""Streaming CSV import of interactions: check the whole file, then import it in chunks.

Memory stays flat whatever the file size: rows are read one chunk at a time, and the external
ids seen so far (to catch a repeat anywhere in the file) are kept on disk. The check pass keeps
the rows it validated in a compressed temporary file (the spool), which the import pass
reads back: each row is parsed, validated and hashed once. A large file is validated in
worker processes (pure Python, no database), while this process checks the results
against the database and writes the spool, in file order.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import marshal
import multiprocessing
import os
import sqlite3
import tempfile
import zlib
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import ValidationError

from touchpoint.accounts.models import Account
from touchpoint.intake.actions import check_interactions, payload_hash, record_interactions
from touchpoint.intake.schemas import (
    CheckedContact,
    CheckedInteraction,
    CheckedResponse,
    InteractionIn,
    field_errors,
)
from touchpoint.lib.csv_rows import StrictReader
from touchpoint.lib.heap import collection_paused

CHUNK = 2000
PARALLEL_FROM_BYTES = 2_000_000  # about 20,000 rows: below, starting workers costs more
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
    return _payload(_places(tuple(row)), list(row.values()))


@functools.lru_cache(maxsize=16)
def _places(header: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Where each column's cells go in the payload, as (place, key): worked out once per
    header, not once per cell of every row."""
    places = []
    for column in header:
        if column.startswith("contact."):
            places.append(("attributes", column[8:]))
        elif column.startswith("property."):
            places.append(("properties", column[9:]))
        elif column in CONTACT_COLUMNS:
            places.append(("contact", column[8:]))
        elif column == "score":
            places.append(("score", column))
        elif column == "response_channel":
            places.append(("response", "channel"))
        elif column in RESPONSE_COLUMNS:
            places.append(("response", column))
        else:
            places.append(("interaction", column))
    return tuple(places)


def _payload(places: tuple[tuple[str, str], ...], cells: list[str]) -> dict:
    payload: dict = {"contact": {}, "properties": {}}
    sections = {
        "interaction": payload,
        "contact": payload["contact"],
        "properties": payload["properties"],
        "attributes": {},
        "response": {},
    }
    for (place, key), value in zip(places, cells, strict=True):
        if value is None or value == "":
            continue
        if place == "score":
            score = value.strip()
            sections["response"]["score"] = (
                int(score) if score.isascii() and score.isdigit() else value
            )
        else:
            sections[place][key] = value
    if sections["attributes"]:
        payload["contact"]["attributes"] = sections["attributes"]
    if sections["response"]:
        payload["response"] = sections["response"]
    return payload


def _raw_chunks(
    stream: IO[str],
) -> tuple[list[str], Iterator[list[tuple[int, list[str] | None, str]]]]:
    """The checked header, and the rows as (line, cells, problem) in chunks, read as they are
    needed (`StrictReader`: a malformed row has no cells and says why). A file that cannot
    be read raises CsvFileError, here or while iterating."""
    reader = StrictReader(stream)
    records = iter(reader)

    def not_utf8() -> CsvFileError:
        return CsvFileError(
            f"The file is not UTF-8 text (near line {reader.line_num + 1}): save it as "
            "UTF-8 CSV and try again."
        )

    try:
        first = next(records, None)
    except UnicodeDecodeError as error:
        raise not_utf8() from error
    if first is not None and first[2]:
        raise CsvFileError(f"Wrong header: it {first[2]}.")
    header = check_header(first and first[1])

    def chunks() -> Iterator[list[tuple[int, list[str] | None, str]]]:
        chunk: list[tuple[int, list[str] | None, str]] = []
        try:
            for record in records:
                chunk.append(record)
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
        except UnicodeDecodeError as error:
            raise not_utf8() from error
        if chunk:
            yield chunk

    return header, chunks()


def _validate(header: list[str], rows: list[tuple[int, list[str] | None, str]]) -> list[tuple]:
    """Each row as (line, spooled row or None, errors). No database: this runs in the
    worker processes of a large import."""
    out: list[tuple] = []
    places = _places(tuple(header))
    with collection_paused():
        for line, cells, problem in rows:
            if cells is None:
                out.append((line, None, [{"field": "row", "message": problem}]))
                continue
            try:
                # StrictReader checked the width
                item = InteractionIn.model_validate(_payload(places, cells))
            except ValidationError as error:
                out.append((line, None, field_errors(error)))
                continue
            out.append((line, _spooled(line, item), []))
    return out


def _validated_chunks(stream: IO[str], workers: int) -> Iterator[list[tuple]]:
    """`_validate` over every chunk, in file order. With `workers` > 1 the chunks are checked
    in that many processes while this one reads ahead and checks the results against the
    database; at most two chunks per worker are in flight, so memory stays flat."""
    header, chunks = _raw_chunks(stream)
    if workers <= 1:
        for chunk in chunks:
            yield _validate(header, chunk)
        return
    # fork: the workers start at once and inherit the loaded schemas; they never touch the
    # database connection they inherit, and leave without closing it (os._exit). The objects
    # they inherit are frozen out of the garbage collector first: a collection in a worker
    # would otherwise walk (and write to) every one of them, copying the parent's whole
    # heap into each worker page by page, in memory and in CPU time.
    context = multiprocessing.get_context("fork")
    # A process that froze its loaded application already (`heap.freeze_loaded`) keeps
    # everything frozen: unfreezing cannot tell its objects from these.
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque = deque()
            for chunk in chunks:
                pending.append(pool.submit(_validate, header, chunk))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        if not frozen_before:
            gc.unfreeze()


def check_workers(path: str) -> int:
    """Processes to validate a file with: one per core for a large file (rows are parsed and
    validated in pure Python, a quarter of an import's time), none for a small one."""
    if os.path.getsize(path) < PARALLEL_FROM_BYTES:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():  # Windows: validate in-process
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _line_and_field(label: str) -> tuple[int, str]:
    """ "line 17.contact.email" -> (17, "contact.email")."""
    line, _, name = label.partition(".")
    return int(line.split()[1]), name


class _Spool:
    """Checked rows, one marshalled and compressed chunk at a time, in an anonymous file."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())

    def write(self, rows: int, items: list[tuple]) -> None:
        blob = zlib.compress(marshal.dumps((rows, items)), 1)
        self.file.write(len(blob).to_bytes(8, "little"))
        self.file.write(blob)

    def chunks(self) -> Iterator[tuple[int, list[tuple]]]:
        self.file.seek(0)
        while size := self.file.read(8):
            blob = zlib.decompress(self.file.read(int.from_bytes(size, "little")))
            yield marshal.loads(blob)  # noqa: S302 (written above by this process)

    def close(self) -> None:
        self.file.close()


class _SeenIds:
    """The external ids of the rows checked so far, to catch a repeat anywhere in the file.

    On disk, in a private temporary SQLite database (deleted when closed), whose page cache
    is bounded: a million ids in a Python set took about 100 MB, a third of the memory
    an import of a million rows may use.
    """

    BATCH = 500  # ids per lookup: well under SQLite's parameter limit

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "": a temporary file, not shared, removed on close
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY) WITHOUT ROWID")

    def earlier(self, ids: Collection[str]) -> set[str]:
        """Which of these ids were added before."""
        wanted = list(ids)
        found: set[str] = set()
        for start in range(0, len(wanted), self.BATCH):
            part = wanted[start : start + self.BATCH]
            marks = ", ".join("?" * len(part))
            rows = self.db.execute(f"SELECT id FROM seen WHERE id IN ({marks})", part)  # noqa: S608
            found.update(found_id for (found_id,) in rows)
        return found

    def add(self, ids: Collection[str]) -> None:
        self.db.executemany("INSERT INTO seen (id) VALUES (?)", ((i,) for i in ids))

    def close(self) -> None:
        self.db.close()


def _spooled(line: int, item: InteractionIn) -> tuple:
    """A checked row as plain values (marshal takes no datetimes: they travel as ISO text)."""
    c, r = item.contact, item.response
    return (
        line,
        item.external_id,
        item.touchpoint,
        item.unit,
        item.occurred_at.isoformat(),
        (c.external_id, c.email, c.phone, c.name, c.locale, c.time_zone, c.attributes),
        item.properties,
        None
        if r is None
        else (
            r.score,
            r.comment,
            r.answered_at and r.answered_at.isoformat(),
            r.channel and r.channel.value,  # marshal takes plain str only, not the enum
        ),
        payload_hash(item),
    )


def _unspooled(row: tuple) -> tuple[int, CheckedInteraction]:
    line, external_id, touchpoint, unit, occurred_at, contact, properties, response, hash_ = row
    if response is not None:
        score, comment, answered_at, channel = response
        response = CheckedResponse(
            score, comment, answered_at and dt.datetime.fromisoformat(answered_at), channel
        )
    return line, CheckedInteraction(
        external_id,
        touchpoint,
        unit,
        dt.datetime.fromisoformat(occurred_at),
        CheckedContact(*contact),
        properties,
        response,
        hash_,
    )


def open_csv(path: str) -> IO[str]:
    return open(path, encoding="utf-8-sig", newline="")


def import_interactions(
    account: Account,
    path: str,
    *,
    error_writer: Any = None,  # a csv writer
    partial: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Check the whole file, then import it; with errors, import nothing unless `partial`.

    Errors are written as (line, field, message) rows. Repeats of already imported external
    ids are skipped, so an interrupted import can simply be run again.
    """
    run = _Run(account, error_writer, progress)
    try:
        with open_csv(path) as stream:
            run.check(stream, spool_all=partial, workers=check_workers(path))
        if not run.report.errors or partial:
            run.load()
    finally:
        run.spool.close()
        run.seen.close()
    return run.report


class _Run:
    def __init__(self, account: Account, error_writer, progress) -> None:
        self.account = account
        self.error_writer = error_writer
        self.progress = progress
        self.report = ImportReport()
        self.bad_lines: set[int] = set()
        self.spool = _Spool()
        self.seen = _SeenIds()

    def error(self, line: int, field_name: str, message: str) -> None:
        self.report.errors += 1
        self.bad_lines.add(line)
        if self.error_writer is not None:
            self.error_writer.writerow([line, field_name, message])

    def check(self, stream: IO[str], *, spool_all: bool, workers: int = 1) -> None:
        """Validate every row and check it against the database; spool the rows to import."""
        for chunk in _validated_chunks(stream, workers):
            with collection_paused():
                self._check_chunk(chunk, spool_all=spool_all)

    def _check_chunk(self, chunk: list[tuple], *, spool_all: bool) -> None:
        valid = []
        # The external id is the spooled row's second value.
        earlier = self.seen.earlier({s[1] for _, s, _ in chunk if s is not None and s[1]})
        seen: set[str] = set()  # in this chunk
        for line, spooled, errors in chunk:
            self.report.rows += 1
            for e in errors:
                self.error(line, e["field"], e["message"])
            if spooled is None:
                continue
            _, item = _unspooled(spooled)
            if item.external_id:
                if item.external_id in earlier or item.external_id in seen:
                    self.error(line, "external_id", "repeats an earlier row of this file")
                    continue
                seen.add(item.external_id)
            valid.append((line, item, spooled))
        self.seen.add(seen)
        if valid:
            lines = [f"line {line}" for line, _, _ in valid]
            *_, errors, _conflict = check_interactions(
                self.account, [item for _, item, _ in valid], labels=lines
            )
            for e in errors:
                self.error(*_line_and_field(e["field"]), e["message"])
        if spool_all or not self.report.errors:  # else nothing will be imported
            good = [spooled for n, _, spooled in valid if n not in self.bad_lines]
            self.spool.write(len(chunk), good)
        if self.progress:
            self.progress("check", len(chunk))

    def load(self) -> None:
        """Import the spooled rows, one transaction per chunk."""
        for rows, spooled in self.spool.chunks():
            with collection_paused():
                self._load_chunk(rows, spooled)

    def _load_chunk(self, rows: int, spooled: list[tuple]) -> None:
        report = self.report
        items = [_unspooled(row) for row in spooled]
        items = [(line, item) for line, item in items if line not in self.bad_lines]
        if items:
            result = record_interactions(
                self.account,
                [item for _, item in items],
                labels=[f"line {n}" for n, _ in items],
            )
            if not result.ok:  # changed since the check (e.g. a concurrent import)
                for e in result.errors:
                    self.error(*_line_and_field(e["field"]), e["message"])
                return
            for outcome in result.items:
                if not outcome.created:
                    report.repeated += 1
                    continue
                report.imported += 1
                if outcome.invitation:
                    report.invitations[outcome.invitation.state] += 1
                if outcome.response:
                    report.responses += 1
        if self.progress:
            self.progress("import", rows)
