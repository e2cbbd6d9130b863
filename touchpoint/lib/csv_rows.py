"""Strict CSV reading: each record with the line it starts on, or why it is malformed.

Python's `csv.reader`, left lenient, lets a cell whose closing quote is missing run on over
the following lines up to the next quote anywhere in the file: the rows in between silently
become part of that one cell (a contact's name, a comment). Here a record is accepted only if
it parses under the strict dialect *and* has the header's number of cells. Otherwise it is
reported as malformed on the line it starts on, and when it ran over several lines those
lines are read again as records of their own, so no row ever swallows another.

A quoted cell that legitimately holds line breaks (a comment over two lines) parses cleanly
with the right number of cells, and stays one record.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator

UNCLOSED = (
    "a quoted cell that starts on this line is not closed properly (a quote is missing): "
    "the row is skipped and the lines after it are read as rows of their own"
)
STRAY = (
    "text follows a closing quote: quote the whole cell and double any quote inside it, "
    'e.g. "Zoé ""Zo"" Martin"'
)


def wrong_width(cells: int, width: int) -> str:
    return f"has {cells} cells; the header has {width}"


def _problem(error: csv.Error) -> str:
    text = str(error)
    if "expected after" in text:
        return STRAY
    if "field limit" in text:
        return f"has a cell longer than {csv.field_size_limit():,} characters"
    return f"is not valid CSV ({text})"


class _Lines:
    """The file's lines for `csv.reader`, numbered, remembering those of the current record
    and able to hand some out again."""

    __slots__ = ("again", "file", "number", "taken")

    def __init__(self, file: Iterable[str]) -> None:
        self.file = iter(file)
        self.again: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []
        self.number = 0  # the last line read from the file

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.again:
            number, text = self.again.popleft()
        else:
            text = next(self.file)
            self.number += 1
            number = self.number
        self.taken.append((number, text))
        return text

    def record_read(self) -> list[tuple[int, str]]:
        taken, self.taken = self.taken, []
        return taken

    def read_again(self, lines: list[tuple[int, str]]) -> None:
        self.again.extendleft(reversed(lines))


class StrictReader:
    """Iterate over (line, cells, problem) for every non-blank record, header first.

    `problem` is "" for a good record; otherwise `cells` is None and `problem` says what is
    wrong. Records after the header must have as many cells as it. `line_num` is the last
    line read from the file (for a decoding error: it failed on the line after). Read the
    file with `newline=""`, as for `csv.reader`.
    """

    def __init__(self, file: Iterable[str]) -> None:
        self._lines = _Lines(file)

    @property
    def line_num(self) -> int:
        return self._lines.number

    def __iter__(self) -> Iterator[tuple[int, list[str] | None, str]]:
        lines = self._lines
        width = 0
        while True:
            try:
                for cells in csv.reader(lines, strict=True):
                    taken = lines.record_read()
                    if not cells or (len(cells) == 1 and not cells[0].strip()):
                        continue  # a blank line (or only spaces) is no record
                    if not width:
                        width = len(cells)
                    elif len(cells) != width:
                        if len(taken) > 1:  # a cell ran on over lines: a quote is missing
                            yield taken[0][0], None, UNCLOSED
                            lines.read_again(taken[1:])
                        else:
                            yield taken[0][0], None, wrong_width(len(cells), width)
                        continue
                    yield taken[0][0], cells, ""
            except csv.Error as error:
                # Strict parsing failed: the end of the file (or a field larger than csv's
                # limit) inside quotes, or text after a closing quote. The reader drops the
                # rest of the line it failed on; a new one starts on the next.
                taken = lines.record_read()
                if not taken:
                    raise
                if len(taken) > 1:
                    yield taken[0][0], None, UNCLOSED
                    lines.read_again(taken[1:])
                else:
                    yield taken[0][0], None, _problem(error)
                continue
            return
