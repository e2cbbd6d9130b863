"""Theme spikes: a theme of comment analysis suddenly takes a much larger share of a unit's
comments (the rule is `rules.spike`; this module counts and words it).

Counting, once per judged week of an account (`count_mentions`, memoised in the week's
`Evaluation`), whatever the number of units and themes:

1. the week's windows (each unit's current and baseline window, weekly or rolling) are cut
   into the disjoint stretches of local days between their edges;
2. one grouped query counts the analysed comments per attribution path and stretch, another
   the answers mentioning each theme (and those mentioning it negatively) per path, theme and
   stretch. Only answers analysed with the account's current taxonomy count, on both sides:
   while history is re-tagged after a theme changed, a half re-tagged baseline would
   otherwise make every new theme look like a spike;
3. in Python, each path's counts are added to every watched unit on it (as the rollups count
   a subtree) and each window is the sum of its stretches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Unit
from touchpoint.alerts import rules
from touchpoint.alerts.conditions import Evaluation, UnitWeek
from touchpoint.alerts.wording import window_name
from touchpoint.analysis.models import CommentAnalysis, Taxonomy, Theme, ThemeMention
from touchpoint.lib.numbers import format_count

DAY = dt.timedelta(days=1)
Span = tuple[dt.date, dt.date]


@dataclass
class ThemeCounts:
    """Analysed comments and theme mentions of every watched unit, per stretch of days."""

    themes: list[Theme]
    cuts: list[dt.date]  # stretch i is [cuts[i], cuts[i + 1])
    comments: dict[int, list[int]] = field(default_factory=dict)  # unit -> per stretch
    mentions: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (unit, theme)
    negative: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    def _stretches(self, span: Span) -> range:
        start, end = span
        return range(self.cuts.index(start), self.cuts.index(end + DAY))

    def total(self, counts: list[int] | None, span: Span) -> int:
        return sum(counts[i] for i in self._stretches(span)) if counts else 0


def _spans(evaluation: Evaluation) -> set[Span]:
    return {
        (w.start, w.end)
        for windows in evaluation.windows.values()
        for w in (windows.current, windows.baseline)
    }


def count_mentions(evaluation: Evaluation) -> ThemeCounts:
    """Every watched unit's analysed comments and theme mentions over the week's windows, in
    two grouped queries (steps in the module docstring)."""
    account = evaluation.account
    themes = list(Theme.objects.filter(account=account, is_active=True).order_by("key"))
    spans = _spans(evaluation)
    cuts = sorted({start for start, _ in spans} | {end + DAY for _, end in spans})
    out = ThemeCounts(themes=themes, cuts=cuts)
    if not themes or not spans:
        return out
    version = (
        Taxonomy.objects.filter(account=account).values_list("version", flat=True).first() or 0
    )
    zone = ZoneInfo(account.time_zone)
    edges = [dt.datetime.combine(day, dt.time(), zone) for day in cuts]
    stretch = Case(
        *(When(response__answered_at__lt=edge, then=Value(i)) for i, edge in enumerate(edges[1:])),
        output_field=IntegerField(),
    )
    analysed = Q(
        response__account_id=account.pk,
        response__answered_at__gte=edges[0],
        response__answered_at__lt=edges[-1],
        response__analysis__state=CommentAnalysis.State.DONE,
        response__analysis__taxonomy_version=version,
    )
    watched = {u.pk for u in evaluation.units}
    slots = len(cuts) - 1

    def add(into: dict, key_of, path: str, i: int, n: int) -> None:
        for unit_id in watched.intersection(Unit.ids_in_path(path)):
            into.setdefault(key_of(unit_id), [0] * slots)[i] += n

    comments = (
        CommentAnalysis.objects.filter(
            account_id=account.pk,
            state=CommentAnalysis.State.DONE,
            taxonomy_version=version,
            response__answered_at__gte=edges[0],
            response__answered_at__lt=edges[-1],
        )
        .exclude(sentiment="")
        .annotate(stretch=stretch)
        .values_list("response__unit_path", "stretch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, i, n in comments:
        add(out.comments, lambda u: u, path, i, n)
    mentions = (
        ThemeMention.objects.filter(analysed, theme_id__in=[t.pk for t in themes])
        .annotate(stretch=stretch)
        .values_list("response__unit_path", "theme_id", "stretch")
        .annotate(
            n=Count("response_id", distinct=True),
            negative=Count("response_id", distinct=True, filter=Q(sentiment="negative")),
        )
        .order_by()
    )
    for path, theme_id, i, n, negative in mentions:
        add(out.mentions, lambda u, t=theme_id: (u, t), path, i, n)
        if negative:
            add(out.negative, lambda u, t=theme_id: (u, t), path, i, negative)
    return out


def account_language(unit: Unit) -> str:
    return (unit.account.default_locale or "en").split("-")[0].lower()


class ThemeSpike:
    """A theme's share of the unit's analysed comments rose beyond chance (`rules.spike`)."""

    kinds = (rules.THEME_SPIKE,)

    def findings(self, week: UnitWeek) -> list[rules.Finding]:
        if week.evaluation is None:
            return []
        counted: ThemeCounts = week.evaluation.memoised(rules.THEME_SPIKE, count_mentions)
        if not counted.themes:
            return []
        unit_id, w = week.unit.pk, week.windows
        now, base = (w.current.start, w.current.end), (w.baseline.start, w.baseline.end)
        comments = counted.total(counted.comments.get(unit_id), now)
        base_comments = counted.total(counted.comments.get(unit_id), base)
        language = account_language(week.unit)
        found = []
        for theme in counted.themes:
            mentions = counted.mentions.get((unit_id, theme.pk))
            judged = rules.spike(
                counted.total(mentions, now),
                comments,
                counted.total(mentions, base),
                base_comments,
                themes=len(counted.themes),
            )
            negative = counted.total(counted.negative.get((unit_id, theme.pk)), now)
            found.append(_finding(theme, theme.name(language), judged, negative, w, language))
        return found


def _percent(share: float | None) -> str:
    if share is None:
        return "\u2013"
    return f"{number_format(100 * share, 1 if share < 0.1 else 0)} %"


def odds(p: float | None) -> str:
    """A tail probability as people read it: "1 in 2,500"."""
    if p is None or p >= 0.5:
        return _("better than even")
    if p < 1e-6:
        return _("less than 1 in a million")
    n = round(1 / p, -1 if p > 1e-3 else -2)
    return _("1 in %(n)s") % {"n": number_format(n, 0, force_grouping=True)}


def evidence_rows(evidence: dict) -> list[dict]:
    """The window and the baseline as the alert page shows them."""
    return [
        {**evidence[k], "share_text": _percent(evidence[k].get("share"))}
        for k in ("now", "baseline")
        if evidence.get(k)
    ]


def _finding(
    theme: Theme, name: str, s: rules.Spike, negative: int, w: rules.Windows, language: str
) -> rules.Finding:
    evidence = {
        "theme": {"key": theme.key, "name": name},
        "now": {
            "window": w.current.as_dict(),
            "mentions": s.mentions,
            "negative": negative,
            "comments": s.comments,
            "share": None if s.share is None else round(s.share, 4),
        },
        "baseline": {
            "window": w.baseline.as_dict(),
            "mentions": s.base_mentions,
            "comments": s.base_comments,
            "share": None if s.base_share is None else round(s.base_share, 4),
        },
        "p_value": s.p_value,
        "level": s.level,
        "themes": s.themes,
    }
    if not s.holds:  # nothing is written for a finding that opens no alert
        return rules.Finding(rules.THEME_SPIKE, False, s.clears, "", evidence, key=theme.key)
    with translation.override(language):
        title = _("Theme spike: %(theme)s") % {"theme": name}
        summary = spike_summary(evidence)
    return rules.Finding(
        rules.THEME_SPIKE, True, s.clears, summary, evidence, key=theme.key, title=title[:200]
    )


def spike_summary(evidence: dict) -> str:
    """The spike in a sentence, in the active language, from the alert's evidence."""
    now, base = evidence.get("now") or {}, evidence.get("baseline") or {}
    return _(
        "%(theme)s in %(mentions)s of %(comments)s comments (%(share)s; %(negative)s "
        "negative) over %(window)s, against %(base_mentions)s of %(base_comments)s "
        "(%(base_share)s) over %(base_window)s: chance alone would give such a rise "
        "%(odds)s times (a spike needs %(level)s, %(themes)s themes being judged)."
    ) % {
        "theme": (evidence.get("theme") or {}).get("name", ""),
        "mentions": format_count(now.get("mentions", 0)),
        "comments": format_count(now.get("comments", 0)),
        "share": _percent(now.get("share")),
        "negative": format_count(now.get("negative", 0)),
        "window": window_name((now.get("window") or {}).get("name", "")),
        "base_mentions": format_count(base.get("mentions", 0)),
        "base_comments": format_count(base.get("comments", 0)),
        "base_share": _percent(base.get("share")),
        "base_window": window_name((base.get("window") or {}).get("name", "")),
        "odds": odds(evidence.get("p_value")),
        "level": odds(evidence.get("level")),
        "themes": format_count(evidence.get("themes", 0)),
    }


def evidence_links(alert) -> list[tuple[str, str]]:
    """(label, path): the unit's themes over the alert's window, and the comments mentioning
    the theme there (the explorer filtered by theme, unit and window, phrases highlighted)."""
    window = {"from": alert.window_start.isoformat(), "to": alert.window_end.isoformat()}
    name = (alert.evidence.get("theme") or {}).get("name") or alert.key
    themes = reverse("unit-themes", args=[alert.unit_id])
    answers = urlencode({"theme": alert.key, "unit": alert.unit_id, **window, "comment": "1"})
    return [
        (
            _("What customers talk about over this window"),
            f"{themes}?{urlencode(window)}",
        ),
        (
            _("Read the comments about %(theme)s") % {"theme": name},
            f"{reverse('responses')}?{answers}",
        ),
    ]
