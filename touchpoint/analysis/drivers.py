"""Key drivers of the 0-10 score for a report request: the themes (mentioned or not, among
the analysed comments) and, for one touchpoint, its follow-up answers (choice options 0/1,
1-5 scales); LMG relative importance with bootstrap intervals (`lib/drivers.py`).

They need each answer's row, so they are read from the answers, not from rollups, and the
result is kept (`DriverResult`, per unit, period, touchpoint, channel and language) for
DRIVERS_FRESH with the account's current themes: a page view reads one row. A missing or
stale result is computed during the request for up to INLINE_DRIVERS analysed answers (well
under a second), else by the worker (`compute_drivers_later`), the report saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_tasks import task

from touchpoint.accounts.models import Unit
from touchpoint.analysis.models import CommentAnalysis, DriverResult, Taxonomy, Theme, ThemeMention
from touchpoint.analysis.queries import answers, tally_rollups
from touchpoint.lib.drivers import MAX_EXACT, key_drivers
from touchpoint.reports.params import ReportRequest, parse_report_params

MIN_DRIVER_MENTIONS = 10  # a theme rarer than this in the sample is no driver
MAX_THEME_DRIVERS = 7
KIND_LABELS = {"theme": gettext_lazy("theme"), "answer": gettext_lazy("follow-up answer")}


@dataclass
class DriverRow:
    key: str
    label: str
    kind: str  # theme, answer
    present: int  # answers where the driver is 1 (or answered, for a scale)
    share: float  # % of the score's variance it explains (LMG)
    low: float
    high: float
    sign: int
    coefficient: float

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "present": self.present,
            "importance": round(self.share, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "sign": self.sign,
            "effect_points": round(self.coefficient, 4),
        }


@dataclass
class DriverReport:
    request: ReportRequest
    n: int
    r2: float
    rows: list[DriverRow]
    note: str = ""  # "few" answers, "none" frequent enough, "computing" by the worker
    computed_at: dt.datetime | None = None  # when kept from an earlier computation


def _question_columns(request: ReportRequest, answered: list[dict]) -> list[tuple]:
    """(key, label, kind, values per answer) for the follow-up answers of the touchpoint:
    each choice option as 0/1, each 1-5 scale (unanswered: the mean of those answered)."""
    if request.touchpoint is None:
        return []
    out = []
    for q in request.touchpoint.questions or []:
        key, text = q["key"], q["text"] if isinstance(q["text"], str) else q["text"].get("en")
        if q["type"] in ("single_choice", "multiple_choice"):
            for option in q.get("options", []):
                label = option["label"]
                label = label if isinstance(label, str) else label.get("en", option["key"])
                values = []
                for a in answered:
                    given = a.get(key)
                    chosen = given if isinstance(given, list) else [given]
                    values.append(1.0 if option["key"] in chosen else 0.0)
                if sum(values) >= MIN_DRIVER_MENTIONS:
                    out.append((f"{key}.{option['key']}", f"{text}: {label}", "answer", values))
        elif q["type"] == "scale":
            given = [a.get(key) for a in answered]
            known = [float(v) for v in given if isinstance(v, int | float)]
            if len(known) >= MIN_DRIVER_MENTIONS:
                mean = sum(known) / len(known)
                values = [float(v) if isinstance(v, int | float) else mean for v in given]
                out.append((key, f"{text} (1-5)", "answer", values))
    return out


DRIVERS_FRESH = dt.timedelta(hours=1)  # a kept result is used for this long, then redone
INLINE_DRIVERS = 20_000  # analysed answers: computed during the page's request up to this


def driver_report(
    request: ReportRequest, *, language: str = "en", now: dt.datetime | None = None
) -> DriverReport:
    """The request's key drivers as kept (`DriverResult`) if computed within DRIVERS_FRESH
    with the account's current themes; else computed now (up to INLINE_DRIVERS analysed
    answers: well under a second) or by the worker (`tasks.compute_drivers`), the report
    then saying so (note "computing")."""
    now = now or timezone.now()
    key = _driver_key(request, language)
    version = _taxonomy_version(request.unit.account_id)
    kept = DriverResult.objects.filter(
        unit=request.unit,
        request=key,
        taxonomy_version=version,
        computed_at__gte=now - DRIVERS_FRESH,
    ).first()
    if kept is not None:
        return _from_kept(request, kept)
    if _sample_size(request) > INLINE_DRIVERS:
        transaction.on_commit(lambda: compute_drivers_later.enqueue(request.unit.pk, key))
        return DriverReport(request, 0, 0.0, [], note="computing")
    return keep_drivers(request, language=language, version=version, now=now)


def keep_drivers(
    request: ReportRequest, *, language: str = "en", version: int | None = None, now=None
) -> DriverReport:
    """Compute the request's key drivers and keep them (the worker's task, or a page)."""
    version = _taxonomy_version(request.unit.account_id) if version is None else version
    report = compute_drivers(request, language=language)
    DriverResult.objects.update_or_create(
        unit=request.unit,
        request=_driver_key(request, language),
        defaults={
            "account_id": request.unit.account_id,
            "taxonomy_version": version,
            "computed_at": now or timezone.now(),
            "result": {
                "n": report.n,
                "r2": report.r2,
                "note": report.note,
                "rows": [asdict(row) for row in report.rows],
            },
        },
    )
    return report


def _driver_key(request: ReportRequest, language: str) -> str:
    """The request with its dates spelt out (a preset's days move), and the language."""
    return f"{replace(request, preset='').query_string()}&language={language}"


def _taxonomy_version(account_id: int) -> int:
    found = Taxonomy.objects.filter(account_id=account_id).values_list("version", flat=True)
    return found.first() or 0


def _sample_size(request: ReportRequest) -> int:
    if request.segments:
        return CommentAnalysis.objects.filter(
            response__in=answers(request), counted_score__isnull=False
        ).count()
    return tally_rollups(request, "month").analysed  # any grain counts the same answers


def _from_kept(request: ReportRequest, kept: DriverResult) -> DriverReport:
    found = kept.result
    rows = [DriverRow(**row) for row in found["rows"]]
    return DriverReport(request, found["n"], found["r2"], rows, found["note"], kept.computed_at)


def compute_drivers(request: ReportRequest, *, language: str = "en") -> DriverReport:
    """LMG relative importance of the themes (mentioned or not, among analysed comments) and,
    for one touchpoint, its follow-up answers, for the 0-10 score; bootstrap intervals."""
    sample = answers(request).filter(
        Q(analysis__state=CommentAnalysis.State.DONE) & ~Q(analysis__sentiment="")
    )
    rows = list(sample.values_list("pk", "score", "answers").order_by("pk"))
    if len(rows) < 30:
        return DriverReport(request, len(rows), 0.0, [], note="few")
    position = {pk: i for i, (pk, _, _) in enumerate(rows)}
    counts = (
        ThemeMention.objects.filter(response__in=sample)
        .values_list("theme_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by("-n")
    )
    chosen = [t for t, n in counts if n >= MIN_DRIVER_MENTIONS]
    columns = _question_columns(request, [a or {} for _, _, a in rows])
    room = max(0, MAX_EXACT - len(columns))
    chosen = chosen[: min(MAX_THEME_DRIVERS, room) if columns else min(MAX_EXACT, room)]
    themes = Theme.objects.in_bulk(chosen)
    flags = np.zeros((len(rows), len(chosen)))
    for theme_id, response_id in (
        ThemeMention.objects.filter(response__in=sample, theme_id__in=chosen)
        .values_list("theme_id", "response_id")
        .distinct()
    ):
        flags[position[response_id], chosen.index(theme_id)] = 1.0
    meta = [(themes[t].key, themes[t].name(language), "theme") for t in chosen]
    matrix = [flags] + [np.array(values)[:, None] for *_, values in columns]
    meta += [(key, label, kind) for key, label, kind, _ in columns]
    if not meta:
        return DriverReport(request, len(rows), 0.0, [], note="none")
    x = np.hstack(matrix)
    y = np.array([score for _, score, _ in rows], dtype=float)
    found = key_drivers(x, y)
    out = [
        DriverRow(
            key=meta[d.index][0],
            label=meta[d.index][1],
            kind=meta[d.index][2],
            present=int((x[:, d.index] > 0).sum())
            if meta[d.index][2] == "theme" or set(np.unique(x[:, d.index])) <= {0.0, 1.0}
            else len(rows),
            share=100.0 * d.lmg,
            low=100.0 * d.low,
            high=100.0 * d.high,
            sign=d.sign,
            coefficient=d.coefficient,
        )
        for d in found.drivers
    ]
    out.sort(key=lambda r: -r.share)
    return DriverReport(request, found.n, 100.0 * found.r2, out)


@task()
def compute_drivers_later(unit_id: int, key: str) -> int:
    """The worker's side of `driver_report`: compute and keep the drivers of a large
    selection (`key`: the kept result's request)."""
    params = QueryDict(key, mutable=True)
    language = params.pop("language", ["en"])[-1]
    unit = Unit.objects.select_related("account").get(pk=unit_id)
    request = parse_report_params(unit, params, now=timezone.now())
    return keep_drivers(request, language=language).n
