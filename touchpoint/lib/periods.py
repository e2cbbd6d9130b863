"""Periods: one vocabulary of named periods for every page, export, digest and API call.

A period is a range of local days (both ends included) in the account's time zone. The
presets end today; the longer ones start on the first of a month, so they read whole months
from the month rollups. `choose_grain` picks the trend's grain from the data (NPS_STATISTICS.md,
*Trends*) and says why. Pure standard library: reports, the explorer, tickets and digests all
import it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from touchpoint.lib import nps

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "month": "This month",
    "last-month": "Last month",
    "3m": "Last 3 months",
    "12m": "Last 12 months",
    "ytd": "Year to date",
}
DEFAULT_PRESET = "3m"  # the one default of every page, export and API answer
ROLLING_DAYS = 90  # the rolling window a small unit's digest and alerts read
DASH = "\u2009\u2013\u2009"  # thin spaces around an en dash
GRAINS = ("day", "week", "month")
# The longest range each grain may draw: beyond it a chart has too many points to read.
GRAIN_MAX_DAYS = {"day": 62, "week": 400}
STEADY_N = nps.MIN_N  # answers a period needs for a steady figure ("few answers" below)
NAMES = {"day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months")}


class PeriodError(ValueError):
    """An unknown preset."""


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clipped to the end of a shorter month."""
    year, month = divmod(month_index(day) + months, 12)
    first = dt.date(year, month + 1, 1)
    return first.replace(day=min(day.day, month_end(first).day))


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "7d":
        return today - dt.timedelta(6), today
    if preset == "30d":
        return today - dt.timedelta(29), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last-month":
        end = today.replace(day=1) - dt.timedelta(1)
        return end.replace(day=1), end
    if preset == "3m":
        return add_months(today.replace(day=1), -2), today
    if preset == "12m":
        return add_months(today.replace(day=1), -11), today
    if preset == "ytd":
        return today.replace(month=1, day=1), today
    raise PeriodError(f"must be one of {', '.join(PRESETS)}")


def previous_range(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before, of the same shape: a month-aligned period moves back by its
    number of months (1 to 23 Nov against 1 to 23 Oct), any other by its number of days."""
    if start.day == 1:
        months = month_index(end) - month_index(start) + 1
        before_start, before_end = add_months(start, -months), add_months(end, -months)
        if month_end(end) == end:
            before_end = month_end(before_end)
        return before_start, before_end
    days = (end - start).days + 1
    return start - dt.timedelta(days), start - dt.timedelta(1)


def rolling_range(end: dt.date, days: int = ROLLING_DAYS) -> tuple[dt.date, dt.date]:
    """The `days` local days ending on `end` (a small unit's window in digests and alerts)."""
    return end - dt.timedelta(days - 1), end


def span_label(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b}{DASH}{end:%-d %b %Y}"
    return f"{start:%-d %b %Y}{DASH}{end:%-d %b %Y}"


def label(start: dt.date, end: dt.date, preset: str = "") -> str:
    """Last 3 months (1 Sep to 21 Nov 2026), or the dates alone."""
    span = span_label(start, end)
    return f"{PRESETS[preset]} ({span})" if preset in PRESETS else span


def period_start(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def count_periods(start: dt.date, end: dt.date, grain: str) -> int:
    """How many days, weeks (Monday to Sunday) or calendar months the range touches."""
    if grain == "day":
        return (end - start).days + 1
    if grain == "week":
        return (period_start(end, "week") - period_start(start, "week")).days // 7 + 1
    return month_index(end) - month_index(start) + 1


@dataclass(frozen=True)
class GrainChoice:
    grain: str
    periods: int
    per_period: float  # answers in a typical (mean) period
    reason: str


def choose_grain(start: dt.date, end: dt.date, answers: int) -> GrainChoice:
    """The finest grain (day, week, month) whose typical period holds at least 30 answers,
    among the grains that suit the range: at least three periods (a trend needs points), a
    day grain up to two months and a week grain up to about 13 months (so a chart stays
    readable). When none reaches 30, the coarsest of them, and the reason says so."""
    days = (end - start).days + 1
    fits = [g for g in GRAINS if days <= GRAIN_MAX_DAYS.get(g, days)]
    counted = {g: count_periods(start, end, g) for g in fits}
    usable = [g for g in fits if counted[g] >= 3] or fits[:1]
    for grain in usable:
        mean = answers / counted[grain]
        if mean >= STEADY_N:
            return GrainChoice(
                grain,
                counted[grain],
                mean,
                f"By {grain}: about {_about(mean)} answers a {grain}, enough for a steady "
                f"figure ({STEADY_N} or more).",
            )
    grain = usable[-1]
    mean = answers / counted[grain]
    return GrainChoice(
        grain,
        counted[grain],
        mean,
        f"By {grain}: even so a {grain} holds about {_about(mean)} answers, fewer than the "
        f"{STEADY_N} a steady figure needs, so read the trend with care; a period with "
        f"fewer than {nps.MIN_FLAG_N} answers is never flagged.",
    )


def _about(mean: float) -> str:
    if mean < 10:
        return f"{mean:.1f}".rstrip("0").rstrip(".") if mean >= 0.1 else "0"
    return f"{math.floor(mean + 0.5):,}"
