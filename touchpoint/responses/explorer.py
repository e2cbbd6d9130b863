"""The response explorer: which answers a person may see, filtered; pages and export rows.

Every query starts from `scoped_responses(user)`, so the page, its exports and the single
response page show exactly the same answers. Filters come from the query string and are
checked here; a bad value is a FilterError with the field at fault.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils.formats import sanitize_separators
from django.utils.translation import gettext as _

from touchpoint.accounts.access import access_unit, top_units
from touchpoint.accounts.models import Unit
from touchpoint.lib import nps, periods
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Invitation, Touchpoint

PAGE_SIZE = 50
MAX_ATTRIBUTES = 5
CATEGORIES = {
    "promoter": Q(score__gte=9),
    "passive": Q(score__gte=7, score__lte=8),
    "detractor": Q(score__lte=6),
}
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(_[A-Za-z0-9-]+)*$")  # no "__" lookups


class FilterError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ExtraFilter:
    """A filter a feature app adds to the explorer (comment themes), registered from its
    AppConfig.ready(), so the core imports no feature. `check` returns the value to filter
    by or raises FilterError; `decorate` may annotate the rows of a page (highlights)."""

    label: str
    choices: Callable[[Any], list[tuple[str, str]]]
    check: Callable[[Any, str], Any]
    apply: Callable[[QuerySet, Any], QuerySet]
    decorate: Callable[[list, Any], None] | None = None


EXTRA_FILTERS: dict[str, ExtraFilter] = {}


def scoped_responses(user) -> QuerySet[Response]:
    """Answers attributed (at the time they were given) to a unit in the user's subtrees."""
    q = Q(pk__in=[])
    for unit in top_units(user):
        q |= Q(account_id=unit.account_id, unit_path__startswith=unit.path)
    return Response.objects.filter(q)


def access_response(user, pk: int) -> Response:
    found = (
        scoped_responses(user)
        .filter(pk=pk)
        .select_related("account", "touchpoint", "unit", "contact", "interaction", "invitation")
        .first()
    )
    if found is None:
        raise Http404("No such response.")
    return found


@dataclass
class Filters:
    period: str = periods.DEFAULT_PRESET
    start: dt.date | None = None
    end: dt.date | None = None
    unit: Unit | None = None
    touchpoint: int | None = None
    channel: str = ""
    category: str = ""
    score: int | None = None
    has_comment: bool = False
    q: str = ""
    attributes: tuple[tuple[str, str, str], ...] = ()  # (source, key, value), all must hold
    extra: dict[str, str] = field(default_factory=dict)  # EXTRA_FILTERS as given
    checked: dict[str, Any] = field(default_factory=dict)  # ... and as checked
    errors: dict[str, str] = field(default_factory=dict)

    def querystring(self, **changes) -> str:
        """These filters as a query string, for links (exports, next page)."""
        params = QueryDict(mutable=True)
        values = {
            "period": self.period,
            "from": self.start.isoformat() if self.period == "custom" and self.start else "",
            "to": self.end.isoformat() if self.period == "custom" and self.end else "",
            "unit": self.unit.pk if self.unit else "",
            "touchpoint": self.touchpoint or "",
            "channel": self.channel,
            "category": self.category,
            "score": "" if self.score is None else self.score,
            "comment": "1" if self.has_comment else "",
            "q": self.q,
            "attr": self.attributes_text,
            **self.extra,
        }
        values.update(changes)
        for key, value in values.items():
            if value not in ("", None):
                params[key] = str(value)
        return params.urlencode()

    @property
    def attributes_text(self) -> str:
        """The segment conditions as typed: `contact.tier=gold; interaction.delivery=home`."""
        return "; ".join(f"{source}.{key}={value}" for source, key, value in self.attributes)


def check_filters(user, params: QueryDict) -> Filters:
    """Read the filters; a value that makes no sense is an error (not silently ignored),
    and a unit outside the user's scope is a 404."""

    def value(name: str) -> str:
        return str(params.get(name) or "")

    f = Filters()
    f.period = value("period") or periods.DEFAULT_PRESET
    if f.period == "custom" or value("from") or value("to"):
        f.period = "custom"
        try:
            f.start = dt.date.fromisoformat(value("from")) if value("from") else None
            f.end = dt.date.fromisoformat(value("to")) if value("to") else None
        except ValueError as error:
            raise FilterError("from", _("Dates are written YYYY-MM-DD.")) from error
        if f.start and f.end and f.start > f.end:
            raise FilterError("from", _("The start date is after the end date."))
    elif f.period != "all" and f.period not in periods.PRESETS:
        raise FilterError(
            "period",
            _("Unknown period {period}: one of {presets}, all.").format(
                period=repr(f.period), presets=", ".join(periods.PRESETS)
            ),
        )
    if value("unit"):
        if not (value("unit").isascii() and value("unit").isdigit()):
            raise FilterError("unit", _("Unknown unit."))
        f.unit = access_unit(user, int(value("unit")))
    if value("touchpoint"):
        if not (value("touchpoint").isascii() and value("touchpoint").isdigit()):
            raise FilterError("touchpoint", _("Unknown touchpoint."))
        f.touchpoint = int(value("touchpoint"))
    f.channel = value("channel")
    if f.channel and f.channel not in Channel.values:
        raise FilterError(
            "channel", _("Unknown channel {channel}.").format(channel=repr(f.channel))
        )
    f.category = value("category")
    if f.category and f.category not in CATEGORIES:
        raise FilterError("category", _("Category is promoter, passive or detractor."))
    if value("score") != "":
        if value("score") not in {str(n) for n in range(11)}:
            raise FilterError("score", _("A score is a whole number from 0 to 10."))
        f.score = int(value("score"))
    f.has_comment = value("comment") in {"1", "on", "true", "yes"}
    f.q = value("q").strip()[:200]
    conditions = [
        part.strip()
        for given in params.getlist("attr")
        for part in str(given).split(";")
        if part.strip()
    ]
    if len(conditions) > MAX_ATTRIBUTES:
        raise FilterError(
            "attr", _("At most {n} attribute conditions at once.").format(n=MAX_ATTRIBUTES)
        )
    f.attributes = tuple(check_attribute(condition) for condition in conditions)
    for name, extra in EXTRA_FILTERS.items():
        raw = value(name).strip()[:100]
        if raw:
            f.extra[name] = raw
            f.checked[name] = extra.check(user, raw)
    return f


def check_attribute(text: str) -> tuple[str, str, str]:
    """`contact.tier=gold` or `interaction.phone_model=Nimbus X5` (a bare key means the
    interaction's properties). Several, separated by ";" or in several `attr` parameters,
    must all hold."""
    key, sep, value = text.partition("=")
    if not sep or not value.strip():
        raise FilterError("attr", _("Write an attribute filter as key=value, e.g. tier=gold."))
    source, _dot, name = key.strip().rpartition(".")
    source = source or "interaction"
    if source not in {"contact", "interaction"} or not ATTRIBUTE_KEY.match(name):
        raise FilterError(
            "attr", _("Attribute keys are contact.KEY or interaction.KEY (letters, digits, - _).")
        )
    return source, name, value.strip()


def _bounds(f: Filters, tz: ZoneInfo, now: dt.datetime) -> tuple[dt.datetime | None, ...]:
    """The period as aware datetimes: local days in the account's time zone."""

    def start_of(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=tz)

    if f.period == "all":
        return None, None
    if f.period == "custom":
        return (
            start_of(f.start) if f.start else None,
            start_of(f.end + dt.timedelta(days=1)) if f.end else None,
        )
    start, end = periods.preset_range(f.period, now.astimezone(tz).date())
    return start_of(start), start_of(end + dt.timedelta(days=1))


def filtered(user, f: Filters, *, now: dt.datetime) -> QuerySet[Response]:
    qs = scoped_responses(user)
    tops = top_units(user)
    tz = ZoneInfo(tops[0].account.time_zone if tops else "UTC")
    if f.unit is not None:
        tz = ZoneInfo(f.unit.account.time_zone)
        qs = qs.filter(account_id=f.unit.account_id, unit_path__startswith=f.unit.path)
    low, high = _bounds(f, tz, now)
    if low:
        qs = qs.filter(answered_at__gte=low)
    if high:
        qs = qs.filter(answered_at__lt=high)
    if f.touchpoint:
        qs = qs.filter(touchpoint_id=f.touchpoint)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.category:
        qs = qs.filter(CATEGORIES[f.category])
    if f.score is not None:
        qs = qs.filter(score=f.score)
    if f.has_comment:
        qs = qs.exclude(comment="")
    if f.q:
        # icontains: ILIKE-like UPPER(...) LIKE on PostgreSQL, LIKE on SQLite (which folds
        # ASCII letters only: "é" does not match "É" there).
        qs = qs.filter(comment__icontains=f.q)
    for source, key, value in f.attributes:  # the answer's segment snapshot
        qs = qs.filter(**{f"segments__{source}.{key}__in": spellings(value)})
    for name, value in f.checked.items():
        qs = EXTRA_FILTERS[name].apply(qs, value)
    return qs


def decorate(rows: list[Response], f: Filters) -> None:
    """Let the extra filters annotate a page's rows (e.g. highlight a theme's phrases)."""
    for name, value in f.checked.items():
        hook = EXTRA_FILTERS[name].decorate
        if hook is not None:
            hook(rows, value)


def extra_filter_fields(user, f: Filters) -> list[tuple[str, str, list[tuple[str, str]], str]]:
    """(name, label, choices, chosen) of each extra filter, for the form."""
    return [
        (name, extra.label, extra.choices(user), f.extra.get(name, ""))
        for name, extra in EXTRA_FILTERS.items()
    ]


def spellings(value: str) -> list[str]:
    """The value as typed, and as a segment snapshot writes the number or true/false it
    spells (`lib.segments.as_text`: 849 as "849", 849.0 as "849.0", True as "true"). A number
    is read with the reader's decimal separator too: "12,5" in German is 12.5."""
    found = {value}
    for spelled in {value, sanitize_separators(value)}:
        try:
            number = float(spelled)
        except ValueError:
            continue
        found.add(json.dumps(number))
        if number.is_integer():
            found.add(json.dumps(int(number)))
    if value.lower() in {"true", "false"}:
        found.add(value.lower())
    return sorted(found)


@dataclass
class Page:
    rows: list[Response]
    next_cursor: str | None
    counts: nps.Estimate | None = None


def page(qs: QuerySet[Response], cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """Newest first, by keyset (answered_at, id): page 1,000 costs what page 1 costs."""
    if cursor:
        try:
            stamp, _sep, pk = cursor.rpartition("_")
            at = dt.datetime.fromisoformat(stamp)
            pk_int = int(pk)
        except ValueError as error:
            raise FilterError("after", _("This page link is damaged: start again.")) from error
        if at.tzinfo is None:
            raise FilterError("after", _("This page link is damaged: start again."))
        qs = qs.filter(Q(answered_at__lt=at) | Q(answered_at=at, pk__lt=pk_int))
    rows = list(
        qs.select_related("touchpoint", "unit", "contact").order_by("-answered_at", "-pk")[
            : size + 1
        ]
    )
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if more else None
    return Page(rows, f"{last.answered_at.isoformat()}_{last.pk}" if last else None)


def summary(qs: QuerySet[Response]) -> nps.Estimate:
    """NPS of everything the filters select (exact, from the answers themselves)."""
    histogram = [0] * 11
    for row in qs.order_by().values("score").annotate(n=Count("pk")):
        histogram[row["score"]] = row["n"]
    return nps.estimate(nps.Counts.from_histogram(histogram))


def touchpoints_for(user) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(
        account_id__in={u.account_id for u in top_units(user)}
    ).order_by("name")


def invitation_history(user, response: Response) -> list[Invitation]:
    """The survey invitations of this answer's contact at units in the user's scope, newest
    first (what they were asked, when, and what became of each)."""
    if response.contact_id is None:
        return [response.invitation] if response.invitation else []
    in_scope = Q(pk__in=[])
    for unit in top_units(user):
        in_scope |= Q(unit__path__startswith=unit.path)
    return list(
        Invitation.objects.filter(
            in_scope, account_id=response.account_id, contact_id=response.contact_id
        )
        .select_related("touchpoint", "unit")
        .order_by("-send_at")[:50]
    )
