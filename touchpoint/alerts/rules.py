"""When an alert fires and when it clears: pure rules (no Django), shared by
`evaluate_alerts` and the noise simulation in the tests.

A unit is judged once a week, after its local week closes, on a window that suits its size
(NPS_STATISTICS.md, *Small units and headlines*): last week when it held at least 30 answers,
else the last 90 days, named as such in the alert. Two conditions on its NPS:

- **NPS fell**: the window against the window just before it (the previous period), or
  against a longer stretch before it (the rolling baseline: the 12 weeks, or 180 days,
  before). One condition, so one fall is one alert, whichever test shows it first;
- **below target**: the unit's posterior (shrunk among the units of its kind) puts at least
  90 % on a true NPS below its target.

A fall is news only on the two-group test, at a stricter level than a page's 5 %: an alert is
judged every week, and over a quarter the chance that a steady unit raises a false alarm must
stay small (one-sided p < 0.001, z <= -3.09; measured by `tests/test_alerts.py`'s simulation of
1,000 steady stores over 12 weeks). An open alert clears with hysteresis (a fall once z > -1.96,
the target once P(at or above) > 25 %), so a condition hovering at the line does not fire
again and again.

A third condition, a **theme spike** (`spike`; the counting is `alerts/themes.py`), asks of
each theme of comment analysis whether its share of the unit's analysed comments in the
window rose against the baseline window (the previous period alone is too short to hold a
theme's few mentions). The share is of comments, not of all answers, as on the themes page
the alert links to: an answer without a comment can mention nothing, and a change in how
many customers write (a kiosk without a comment box) must not look like a spike. It holds
when all of these do:

- the rise is beyond chance on Fisher's exact one-sided test (`lib/proportions.py`): exact
  for small counts, where a normal two-proportion test would call 5 mentions against an
  expected 0.6 a "z = 5" event although chance gives it about 1 time in 2,400;
- at the alerts' strict level, p <= 0.001 (z >= 3.09), tightened when the unit has many
  themes: every unit is judged on every theme every week, and at 0.001 each 18 starter
  themes already make 2.5-3.7 % of steady stores alert falsely over a quarter (more themes,
  more alarms; figures from `tests/test_alert_themes.py`'s simulation, in its docstring).
  The issue's promise, fewer than 5 % of steady units raising a false alert over 12 weeks, is
  kept by construction: the 5 % is shared among the 12 weekly judgements and the T themes
  (Bonferroni; T the account's active themes), p <= min(0.001, 0.05 / (12 T)). Each exact
  p-value is valid, so whatever the counts, the chance that any of a steady unit's 12 T
  tests fires is at most 5 %. With 18 themes the level is 2.3e-4 (z >= 3.50);
- at least 5 mentions in the window, so two comments are never a spike however rare the
  theme was;
- a share at least 1.5 times the baseline's, so a brand's thousands of comments do not raise
  an alert for a real but trivial rise (2.0 % to 2.3 %).

Both windows need 10 analysed comments to be judged (as a trend period needs 10 answers).
An open spike clears with hysteresis once the rise is no longer even weakly shown (one-sided
p > 0.025, z < 1.96); with too few comments to judge it stays open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from touchpoint.lib import nps, periods, proportions

Z_FALL = 3.09  # one-sided p < 0.001
Z_CLEAR = 1.96
P_BELOW = 0.90  # alert when P(true NPS below target) >= 90 %
P_CLEAR = 0.75  # clear once it drops under 75 %
NPS_FALL = "nps_fall"
BELOW_TARGET = "below_target"
THEME_SPIKE = "theme_spike"
LABELS = {NPS_FALL: "NPS fell", BELOW_TARGET: "NPS below target"}
P_SPIKE = 0.001  # one-sided, or less with many themes (`spike_level`)
FALSE_ALARMS = 0.05  # at most this chance that a steady unit raises a false spike ...
QUARTER = 12  # ... over this many weekly judgements
P_SPIKE_CLEAR = 0.025  # one-sided, z < 1.96
MIN_MENTIONS = 5
SPIKE_RATIO = 1.5
MIN_COMMENTS = nps.MIN_FLAG_N


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date
    name: str  # "last week", "the last 90 days"

    @property
    def label(self) -> str:
        return f"{self.name} ({periods.span_label(self.start, self.end)})"

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "name": self.name}


@dataclass(frozen=True)
class Windows:
    current: Window
    previous: Window
    baseline: Window
    rolling: bool  # the unit was too small for a weekly window


def windows(sunday: dt.date, week_answers: int) -> Windows:
    """The windows judged for the week ending `sunday`, given how many answers it held."""
    day = dt.timedelta(days=1)
    if week_answers >= nps.MIN_N:
        monday = sunday - 6 * day
        return Windows(
            Window(monday, sunday, "last week"),
            Window(monday - 7 * day, monday - day, "the week before"),
            Window(monday - 84 * day, monday - day, "the 12 weeks before"),
            rolling=False,
        )
    days = periods.ROLLING_DAYS
    start = sunday - (days - 1) * day
    return Windows(
        Window(start, sunday, f"the last {days} days"),
        Window(start - days * day, start - day, f"the {days} days before"),
        Window(start - 2 * days * day, start - day, f"the {2 * days} days before"),
        rolling=True,
    )


@dataclass(frozen=True)
class Finding:
    """What a condition found for one unit: whether it holds (an alert should be open) and
    whether an open one may clear; `key` tells apart several findings of one kind (a theme)."""

    kind: str
    holds: bool
    clears: bool
    summary: str
    evidence: dict = field(default_factory=dict)
    key: str = ""
    title: str = ""  # the alert's own title (a theme's name); blank: the kind's


def _counts(c: nps.Counts) -> dict:
    return {"promoters": c.promoters, "passives": c.passives, "detractors": c.detractors}


def _test(now: nps.Counts, before: nps.Counts, w_now: Window, w_before: Window) -> dict:
    """One two-group test of `now` against `before`, as evidence (z None: too few answers,
    both sides need 10)."""
    out = {
        "window": _window(w_before),
        **_counts(before),
        "nps": before.nps,
        "z": None,
        "p_value": None,
        "sentence": "",
    }
    if now.n >= nps.MIN_FLAG_N and before.n >= nps.MIN_FLAG_N:
        tested = nps.compare(now, before)
        out.update(z=round(tested.z, 4), p_value=tested.p_value)
        out["sentence"] = (
            f"NPS {now.nps:+.0f} over {w_now.name} (n = {now.n}) against {before.nps:+.0f} "
            f"over {w_before.name} (n = {before.n}): a fall unlikely to be chance "
            f"(p = {tested.p_value:.4f})."
        )
    return out


def fall(windows_: Windows, now: nps.Counts, previous: nps.Counts, baseline: nps.Counts):
    """NPS fell: a significant fall against the previous period or the baseline. It clears
    once every test that can be judged is back within z > -1.96; with too few answers to
    judge either, an open alert stays open (no evidence it recovered)."""
    tests = {
        "previous": _test(now, previous, windows_.current, windows_.previous),
        "baseline": _test(now, baseline, windows_.current, windows_.baseline),
    }
    judged = [t for t in tests.values() if t["z"] is not None]
    firing = [t for t in judged if t["z"] <= -Z_FALL]
    evidence = {
        "now": {**_counts(now), "nps": now.nps, "window": _window(windows_.current)},
        "before": {k: v for k, v in tests["previous"].items() if k != "sentence"},
        "baseline": {k: v for k, v in tests["baseline"].items() if k != "sentence"},
    }
    summary = " ".join(t["sentence"] for t in firing) or "No fall beyond chance."
    clears = bool(judged) and all(t["z"] > -Z_CLEAR for t in judged)
    return Finding(NPS_FALL, bool(firing), clears, summary, evidence)


def below_target(
    now: nps.Counts, prior: tuple[float, float, float], target: float, w_now: Window
) -> Finding:
    estimate = nps.shrunk(now, prior)
    below = 1.0 - nps.probability_at_least(estimate, target)
    evidence = {
        "now": {**_counts(now), "nps": now.nps, "window": _window(w_now)},
        "target": target,
        "ranked_nps": round(estimate.mean, 4),
        "probability_below": round(below, 4),
    }
    summary = (
        f"Over {w_now.name} (n = {now.n}) the ranked NPS is {estimate.mean:+.0f}: "
        f"{below:.0%} likely below the target of {target:+.0f}."
    )
    holds = now.n >= nps.MIN_FLAG_N and below >= P_BELOW
    return Finding(BELOW_TARGET, holds, below < P_CLEAR, summary, evidence)


def judge(
    windows_: Windows,
    now: nps.Counts,
    previous: nps.Counts,
    baseline: nps.Counts,
    *,
    target: float | None = None,
    prior: tuple[float, float, float] | None = None,
) -> list[Finding]:
    """The built-in conditions for one unit and week."""
    found = [fall(windows_, now, previous, baseline)]
    if target is not None:
        found.append(
            below_target(now, prior or nps.dirichlet_prior([now]), target, windows_.current)
        )
    return found


@dataclass(frozen=True)
class Spike:
    """One theme at one unit: mentions among analysed comments, now and in the baseline."""

    mentions: int
    comments: int
    base_mentions: int
    base_comments: int
    themes: int  # the themes judged at the unit, sharing the level
    judged: bool
    rising: bool  # the share is above the baseline's at all
    p_value: float | None  # None when not judged or not rising (then p >= 0.5)
    holds: bool
    clears: bool

    @property
    def share(self) -> float | None:
        return self.mentions / self.comments if self.comments else None

    @property
    def base_share(self) -> float | None:
        return self.base_mentions / self.base_comments if self.base_comments else None

    @property
    def level(self) -> float:
        return spike_level(self.themes)


def spike_level(themes: int) -> float:
    """The one-sided level each theme is held to when `themes` are judged at a unit."""
    return min(P_SPIKE, FALSE_ALARMS / (QUARTER * max(1, themes)))


def spike(mentions: int, comments: int, base_mentions: int, base_comments: int, themes: int):
    """Judge one theme's share now against the baseline (the rule in this module's
    docstring)."""
    judged = comments >= MIN_COMMENTS and base_comments >= MIN_COMMENTS
    # x1/n1 > x0/n0, in integers; at or below the baseline the one-sided p is at least 0.5.
    rising = judged and mentions * base_comments > base_mentions * comments
    p = (
        proportions.rise_p_value(mentions, comments, base_mentions, base_comments)
        if rising
        else None
    )
    level = spike_level(themes)
    holds = (
        rising
        and p is not None
        and p <= level
        and mentions >= MIN_MENTIONS
        and mentions * base_comments >= SPIKE_RATIO * base_mentions * comments
    )
    clears = judged and (p is None or p > P_SPIKE_CLEAR)
    return Spike(
        mentions, comments, base_mentions, base_comments, themes, judged, rising, p, holds, clears
    )


def step(is_open: bool, finding: Finding | Spike) -> str | None:
    """ "open" (fire), "clear", or None (nothing changes): each condition fires once, and only
    again after it cleared."""
    if not is_open and finding.holds:
        return "open"
    if is_open and finding.clears and not finding.holds:
        return "clear"
    return None


def _window(w: Window) -> dict:
    return w.as_dict()
