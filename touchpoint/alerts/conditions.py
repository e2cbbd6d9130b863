"""The conditions an alert is judged on, as a registry.

A condition looks at one unit's week (`UnitWeek`: its windows, their counts, its target and
the prior of its kind) and returns findings (`rules.Finding`). The built-in one applies
`rules.judge`: NPS fell (against the previous period or the baseline), below target. A
condition with more to count than the NPS histograms (`themes.ThemeSpike`, a theme's share
of comments) counts it once for every unit of the account's week and keeps it in the week's
`Evaluation` (`evaluation.memoised`), which lives as long as that one judgement: nothing is
shared across accounts, weeks or processes.

Conditions are registered in `AlertsConfig.ready()`: the alerts app sits above the features
it watches (comment analysis), so it imports them, never the other way round.

    register(ThemeSpike(), titles={"theme_spike": "Theme spike"}, evidence={...})

with `kinds = ("theme_spike",)` and findings keyed by theme (`Finding(kind="theme_spike",
key="queue", ...)`). An open alert of one of a condition's kinds that the condition no longer
reports is cleared, so a condition reports every key it still has an opinion on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy

from touchpoint.accounts.models import Account, Unit
from touchpoint.alerts import rules
from touchpoint.lib import nps


@dataclass
class Evaluation:
    """One account's week being judged: every watched unit and its windows, and what the
    conditions counted for all of them (`memoised`)."""

    account: Account
    sunday: dt.date
    units: list[Unit]
    windows: dict[int, rules.Windows]
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memoised(self, name: str, compute: Callable[[Evaluation], Any]) -> Any:
        if name not in self._memo:
            self._memo[name] = compute(self)
        return self._memo[name]


@dataclass(frozen=True)
class UnitWeek:
    unit: Unit
    windows: rules.Windows
    now: nps.Counts
    previous: nps.Counts
    baseline: nps.Counts
    target: int | None
    prior: tuple[float, float, float] | None
    evaluation: Evaluation | None = None


class Condition(Protocol):
    kinds: tuple[str, ...]

    def findings(self, week: UnitWeek) -> list[rules.Finding]: ...


class BuiltIn:
    kinds = (rules.NPS_FALL, rules.BELOW_TARGET)

    def findings(self, week: UnitWeek) -> list[rules.Finding]:
        return rules.judge(
            week.windows,
            week.now,
            week.previous,
            week.baseline,
            target=week.target,
            prior=week.prior,
        )


# (label, path) of the pages behind an alert of a kind; kinds without one link to the unit's
# dashboard and answers over the alert's window (`actions.evidence_links`).
Links = Callable[[Any], list[tuple[str, str]]]

CONDITIONS: list[Condition] = [BuiltIn()]
# Titles in the reader's language (lazy), and how each kind's summary is composed from an
# alert's evidence when someone reads it (`alerts.wording`).
TITLES: dict[str, Any] = {
    rules.NPS_FALL: gettext_lazy("NPS fell"),
    rules.BELOW_TARGET: gettext_lazy("NPS below target"),
}
EVIDENCE: dict[str, Links] = {}
SUMMARIES: dict[str, Callable[[dict], str]] = {}


def register(
    condition: Condition,
    titles: dict[str, str] | None = None,
    evidence: dict[str, Links] | None = None,
    summaries: dict[str, Callable[[dict], str]] | None = None,
) -> None:
    """Add a condition (once per class), the titles of its kinds, their evidence links and
    how their summaries read (from an alert's evidence, in the reader's language)."""
    if not any(type(c) is type(condition) for c in CONDITIONS):
        CONDITIONS.append(condition)
    TITLES.update(titles or {})
    EVIDENCE.update(evidence or {})
    SUMMARIES.update(summaries or {})
