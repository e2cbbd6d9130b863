"""Periods as a manager reads them: preset names, date spans, trend periods and the trend's
grain in the active language, dates in its format (Django's L10N formats, never a
hand-written one). `lib.periods` keeps the plain English of the API and the exports."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from touchpoint.lib import nps, periods
from touchpoint.lib.numbers import format_count

PRESET_NAMES = {
    "7d": gettext_lazy("Last 7 days"),
    "30d": gettext_lazy("Last 30 days"),
    "month": gettext_lazy("This month"),
    "last-month": gettext_lazy("Last month"),
    "3m": gettext_lazy("Last 3 months"),
    "12m": gettext_lazy("Last 12 months"),
    "ytd": gettext_lazy("Year to date"),
}
assert set(PRESET_NAMES) == set(periods.PRESETS)


def presets() -> list[tuple[str, str]]:
    """(value, name) of each preset, for a period menu."""
    return [(value, str(name)) for value, name in PRESET_NAMES.items()]


def span_label(start: dt.date, end: dt.date) -> str:
    """One day, or first to last day, in the active language's date format."""
    if start == end:
        return date_format(start, "DATE_FORMAT")
    return f"{date_format(start, 'DATE_FORMAT')}{periods.DASH}{date_format(end, 'DATE_FORMAT')}"


def label(start: dt.date, end: dt.date, preset: str = "") -> str:
    """The preset's name and its dates, or the dates alone."""
    span = span_label(start, end)
    if preset in PRESET_NAMES:
        return _("{period} ({dates})").format(period=PRESET_NAMES[preset], dates=span)
    return span


def period_label(key: dt.date, first: dt.date, last: dt.date, grain: str) -> str:
    """A trend point: a day, a week (its days within the range) or a month."""
    if grain == "day":
        return date_format(key, "MONTH_DAY_FORMAT")
    if grain == "month":
        month = date_format(key, "YEAR_MONTH_FORMAT")
        whole = first == key and last == periods.month_end(key)
        if whole:
            return month
        return f"{month} ({first.day}\u2013{last.day})"
    if first == last:
        return date_format(first, "MONTH_DAY_FORMAT")
    return (
        f"{date_format(first, 'MONTH_DAY_FORMAT')}{periods.DASH}"
        f"{date_format(last, 'MONTH_DAY_FORMAT')}"
    )


def period_mark(key: dt.date, first: dt.date, grain: str) -> str:
    """A trend point's mark on the time axis: where its period starts (a day or week by its
    first day, a month by its name). Its whole span is `period_label`."""
    if grain == "month":
        return date_format(key, "YEAR_MONTH_FORMAT")
    return date_format(first, "MONTH_DAY_FORMAT")


GRAIN_NAMES = {
    "day": gettext_lazy("day"),
    "week": gettext_lazy("week"),
    "month": gettext_lazy("month"),
}


def trend_title(grain: str) -> str:
    return {
        "day": _("Trend by day"),
        "week": _("Trend by week"),
        "month": _("Trend by month"),
    }.get(grain, grain)


def trend_caption(grain: str) -> str:
    return {
        "day": _("NPS by day"),
        "week": _("NPS by week"),
        "month": _("NPS by month"),
    }.get(grain, grain)


def grain_reason(choice: periods.GrainChoice) -> str:
    """Why the trend is drawn by this grain (`lib.periods.choose_grain`'s reason)."""
    mean = choice.per_period
    about = number_format(mean, 1 if mean < 10 else 0, force_grouping=mean >= 10)
    about = about if mean >= 0.1 else "0"
    steady = choice.per_period >= periods.STEADY_N
    if choice.grain == "day":
        if steady:
            text = _(
                "By day: about {about} answers a day, enough for a steady figure ({n} or more)."
            )
        else:
            text = _(
                "By day: even so a day holds about {about} answers, fewer than the {n} a steady "
                "figure needs, so read the trend with care; a period with fewer than {flag} "
                "answers is never flagged."
            )
    elif choice.grain == "week":
        if steady:
            text = _(
                "By week: about {about} answers a week, enough for a steady figure ({n} or more)."
            )
        else:
            text = _(
                "By week: even so a week holds about {about} answers, fewer than the {n} a steady "
                "figure needs, so read the trend with care; a period with fewer than {flag} "
                "answers is never flagged."
            )
    elif steady:
        text = _(
            "By month: about {about} answers a month, enough for a steady figure ({n} or more)."
        )
    else:
        text = _(
            "By month: even so a month holds about {about} answers, fewer than the {n} a steady "
            "figure needs, so read the trend with care; a period with fewer than {flag} "
            "answers is never flagged."
        )
    return text.format(about=about, n=periods.STEADY_N, flag=nps.MIN_FLAG_N)


def shifts(count: int) -> str:
    return ngettext("{n} real shift", "{n} real shifts", count).format(n=format_count(count))
