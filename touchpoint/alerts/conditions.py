"""The conditions an alert is judged on, as a registry another app can add to.

A condition looks at one unit's week (`UnitWeek`: its windows, their counts, its target and
the prior of its kind) and returns findings (`rules.Finding`). The built-in one applies
`rules.judge`: NPS fell (against the previous period or the baseline), below target.
Comment analysis can add a theme spike later without touching this app:

    from touchpoint.alerts.conditions import register
    register(ThemeSpike())  # in its AppConfig.ready()

with `kinds = ("theme_spike",)` and findings keyed by theme (`Finding(kind="theme_spike",
key="queue", ...)`). An open alert of one of a condition's kinds that the condition no longer
reports is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from touchpoint.accounts.models import Unit
from touchpoint.alerts import rules
from touchpoint.lib import nps


@dataclass(frozen=True)
class UnitWeek:
    unit: Unit
    windows: rules.Windows
    now: nps.Counts
    previous: nps.Counts
    baseline: nps.Counts
    target: int | None
    prior: tuple[float, float, float] | None


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


CONDITIONS: list[Condition] = [BuiltIn()]
TITLES = dict(rules.LABELS)


def register(condition: Condition, titles: dict[str, str] | None = None) -> None:
    """Add a condition (once per class) and the titles of its kinds."""
    if not any(type(c) is type(condition) for c in CONDITIONS):
        CONDITIONS.append(condition)
    TITLES.update(titles or {})
