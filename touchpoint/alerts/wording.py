"""An alert as a person reads it: its title, summary and windows in the reader's language
and number format, composed at reading time from the evidence kept with the alert (counts,
windows, test results). The alert's stored `title` and `summary` are written once, when it
opens, for the events, webhooks and API that carry it; a page or an email is composed in
the language of whoever reads it, so one alert reads in German to one manager and in French
to another."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from touchpoint.alerts import rules
from touchpoint.alerts.models import Alert
from touchpoint.lib.numbers import format_count, format_signed

WINDOWS = {
    "last week": gettext_lazy("last week"),
    "the week before": gettext_lazy("the week before"),
    "the 12 weeks before": gettext_lazy("the 12 weeks before"),
}
LAST_DAYS = re.compile(r"the last (\d+) days")
DAYS_BEFORE = re.compile(r"the (\d+) days before")
# Summaries of registered conditions' kinds (`conditions.register`), from an alert's evidence.
Summaries = dict[str, Callable[[dict], str]]


def window_name(name: str) -> str:
    """A judged window's name ("the last 90 days", as `rules.windows` keeps it) in the
    reader's language."""
    if name in WINDOWS:
        return str(WINDOWS[name])
    if found := LAST_DAYS.fullmatch(name):
        n = int(found.group(1))
        return ngettext("the last %(n)s day", "the last %(n)s days", n) % {"n": n}
    if found := DAYS_BEFORE.fullmatch(name):
        n = int(found.group(1))
        return ngettext("the %(n)s day before", "the %(n)s days before", n) % {"n": n}
    return name


def p_text(p: float) -> str:
    return f"p < {number_format(0.001, 3)}" if p < 0.001 else f"p = {number_format(p, 4)}"


def percent(share: float) -> str:
    return f"{number_format(round(100 * share), 0)} %"


def _n(counts: dict) -> int:
    return int(counts.get("promoters", 0) + counts.get("passives", 0) + counts.get("detractors", 0))


def fall_summary(evidence: dict) -> str:
    """The tests that show the fall, one sentence each (`rules.fall`)."""
    now = evidence.get("now") or {}
    sentences = []
    for key in ("before", "baseline"):
        test = evidence.get(key) or {}
        if test.get("z") is None or test["z"] > -rules.Z_FALL:
            continue
        sentences.append(
            _(
                "NPS {now} over {window} (n = {n}) against {before} over {before_window} "
                "(n = {before_n}): a fall unlikely to be chance ({p})."
            ).format(
                now=format_signed(now.get("nps", 0)),
                window=window_name((now.get("window") or {}).get("name", "")),
                n=format_count(_n(now)),
                before=format_signed(test.get("nps", 0)),
                before_window=window_name((test.get("window") or {}).get("name", "")),
                before_n=format_count(_n(test)),
                p=p_text(test.get("p_value") or 0),
            )
        )
    return " ".join(sentences) or _("No fall beyond chance.")


def below_target_summary(evidence: dict) -> str:
    now = evidence.get("now") or {}
    return _(
        "Over {window} (n = {n}) the ranked NPS is {ranked}: {chance} likely below the "
        "target of {target}."
    ).format(
        window=window_name((now.get("window") or {}).get("name", "")),
        n=format_count(_n(now)),
        ranked=format_signed(evidence.get("ranked_nps", 0)),
        chance=percent(evidence.get("probability_below", 0)),
        target=format_signed(evidence.get("target", 0)),
    )


BUILT_IN: Summaries = {
    rules.NPS_FALL: fall_summary,
    rules.BELOW_TARGET: below_target_summary,
}


def title(alert: Alert, titles: dict) -> str:
    """The alert's own title (a theme spike's names its theme), else its kind's."""
    theme = (alert.evidence or {}).get("theme") or {}
    if alert.kind == rules.THEME_SPIKE and theme.get("name"):
        return _("Theme spike: %(theme)s") % {"theme": theme["name"]}
    if alert.kind in titles:
        return str(titles[alert.kind])
    return alert.title


def summary(alert: Alert, summaries: Summaries) -> str:
    compose = BUILT_IN.get(alert.kind) or summaries.get(alert.kind)
    if compose is None or not alert.evidence:
        return alert.summary
    return compose(alert.evidence)
