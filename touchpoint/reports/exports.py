"""A report view as CSV or XLSX: the same figures as the page, one row per figure.

CSV is streamed row by row; XLSX is written by xlsxwriter in constant-memory mode to a
temporary file that is then streamed, so neither holds the file in memory.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from typing import IO

import xlsxwriter

from touchpoint.reports.figures import Figure, Report
from touchpoint.reports.league import League

COLUMNS = [
    "section",
    "group",
    "key",
    "label",
    "from",
    "to",
    "n",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "margin_of_error",
    "low",
    "high",
    "mean_score",
    "few_answers",
    "tiny_sample",
    "change",
    "ranked_nps",
    "lower_limit",
    "upper_limit",
    "shift",
]
SHEETS = {
    "headline": "Headline",
    "trend": "Trend",
    "touchpoint": "By touchpoint",
    "channel": "By channel",
    "leaderboard": "Leaderboard",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _row(section: str, figure: Figure, *, group: str = "", start=None, end=None, **extra) -> dict:
    e = figure.estimate
    return {
        "section": section,
        "group": group,
        "key": figure.key,
        "label": figure.label,
        "from": start.isoformat() if start else "",
        "to": end.isoformat() if end else "",
        "n": e.n,
        "promoters": e.promoters,
        "passives": e.passives,
        "detractors": e.detractors,
        "nps": _round(e.nps),
        "margin_of_error": _round(e.margin_of_error),
        "low": _round(e.low),
        "high": _round(e.high),
        "mean_score": _round(figure.mean),
        "few_answers": "yes" if e.few_answers else "no",
        "tiny_sample": "yes" if figure.headline.tiny else "no",
        **extra,
    }


def rows(report: Report) -> Iterator[dict]:
    """Every figure of the report, section by section, in the page's order."""
    request, previous = report.request, report.previous_request
    yield _row(
        "headline",
        report.headline,
        group="current",
        start=request.start,
        end=request.end,
        change=CHANGE_WORDS[report.change.verdict],
    )
    yield _row(
        "headline", report.previous, group="previous", start=previous.start, end=previous.end
    )
    for point in report.trend:
        c = point.control
        yield _row(
            "trend",
            point.figure,
            group=report.trend_grain,
            start=point.start,
            end=point.end,
            lower_limit=_round(c.lower),
            upper_limit=_round(c.upper),
            shift="yes" if c.out_of_control else "no",
        )
    for figure in report.by_touchpoint:
        yield _row("touchpoint", figure)
    for figure in report.by_channel:
        yield _row("channel", figure)
    for kind, board in report.leaderboard:
        for row in board:
            yield _row("leaderboard", row.figure, group=kind, ranked_nps=_round(row.shrunk.mean))


CHANGE_WORDS = {"up": "up", "down": "down", "none": "no real change", "unknown": "unknown"}


def filename(report: Report, extension: str) -> str:
    r = report.request
    return f"nps-{r.unit.code}-{r.start.isoformat()}-{r.end.isoformat()}.{extension}"


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(report: Report) -> Iterator[str]:
    writer = csv.DictWriter(_Line(), fieldnames=COLUMNS, restval="")
    yield "\ufeff" + writer.writeheader()  # BOM: spreadsheet programs then read UTF-8 right
    for row in rows(report):
        yield writer.writerow(row)


def xlsx_file(report: Report) -> IO[bytes]:
    """The report as a workbook (one sheet per section plus the filters), rewound."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open, closed by the response)
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    bold = book.add_format({"bold": True})
    about = book.add_worksheet("Filters")
    described = report.request.describe()
    described["segments"] = "; ".join(
        f"{k} = {', '.join(v)}" for k, v in described["segments"].items()
    )
    described["source"] = report.source
    for i, (key, value) in enumerate(described.items()):
        about.write_string(i, 0, key, bold)
        about.write_string(i, 1, "" if value is None else str(value))
    sheets = {}
    counts = {}
    for row in rows(report):
        section = row["section"]
        if section not in sheets:
            sheets[section] = book.add_worksheet(SHEETS[section])
            sheets[section].write_row(0, 0, COLUMNS, bold)
            counts[section] = 1
        sheet = sheets[section]
        for col, name in enumerate(COLUMNS):
            value = row.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                sheet.write_number(counts[section], col, value)
            else:
                sheet.write_string(counts[section], col, str(value))
        counts[section] += 1
    book.close()
    out.seek(0)
    return out


# --- league tables ----------------------------------------------------------------------------

LEAGUE_COLUMNS = [
    "rank",
    "unit_code",
    "unit",
    "n",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "low",
    "high",
    "ranked_nps",
    "few_answers",
    "tiny_sample",
    "previous_nps",
    "previous_n",
    "change_points",
    "change",
]


def league_rows(table: League) -> Iterator[dict]:
    for row in table.rows:
        e, before = row.figure.estimate, row.previous.estimate
        yield {
            "rank": row.rank if row.rank is not None else "",
            "unit_code": row.unit.code,
            "unit": row.unit.name,
            "n": e.n,
            "promoters": e.promoters,
            "passives": e.passives,
            "detractors": e.detractors,
            "nps": _round(e.nps),
            "low": _round(e.low) if e.n else None,
            "high": _round(e.high) if e.n else None,
            "ranked_nps": _round(row.shrunk.mean) if row.rank is not None else None,
            "few_answers": "yes" if e.few_answers else "no",
            "tiny_sample": "yes" if row.figure.headline.tiny else "no",
            "previous_nps": _round(before.nps),
            "previous_n": before.n,
            "change_points": _round(row.change.points),
            "change": CHANGE_WORDS[row.change.verdict],
        }


def league_filename(table: League, extension: str) -> str:
    r = table.request
    return (
        f"league-{r.unit.code}-{table.kind}-{r.start.isoformat()}-{r.end.isoformat()}.{extension}"
    )


def league_csv_lines(table: League) -> Iterator[str]:
    writer = csv.DictWriter(_Line(), fieldnames=LEAGUE_COLUMNS, restval="")
    yield "\ufeff" + writer.writeheader()
    for row in league_rows(table):
        yield writer.writerow(row)


def league_xlsx_file(table: League) -> IO[bytes]:
    out = tempfile.TemporaryFile()  # noqa: SIM115 (returned open, closed by the response)
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("League")
    sheet.write_row(0, 0, LEAGUE_COLUMNS, bold)
    for i, row in enumerate(league_rows(table), start=1):
        for col, name in enumerate(LEAGUE_COLUMNS):
            value = row.get(name)
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                sheet.write_number(i, col, value)
            else:
                sheet.write_string(i, col, str(value))
    about = book.add_worksheet("Filters")
    described = {**table.request.describe(), "kind": table.kind, "source": table.request.source}
    described["segments"] = "; ".join(
        f"{k} = {', '.join(v)}" for k, v in described["segments"].items()
    )
    for i, (key, value) in enumerate(described.items()):
        about.write_string(i, 0, key, bold)
        about.write_string(i, 1, "" if value is None else str(value))
    book.close()
    out.seek(0)
    return out
