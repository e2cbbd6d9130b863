"""Alerts: a manager hears, through the notifications outbox and in their preference, when
their unit's NPS really falls or sits below its target; once per condition, with the
evidence, mutable; and steady units stay quiet (a simulation of 1,000 steady stores)."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
import time_machine
from django.test import Client

from touchpoint.alerts import actions, rules
from touchpoint.alerts.models import Alert, AlertCheck
from touchpoint.lib import nps
from touchpoint.notifications.actions import do_set_preference
from touchpoint.notifications.models import Delivery
from touchpoint.reports import folding
from touchpoint.responses.models import Response
from touchpoint.targets.actions import do_set_target

UTC = dt.UTC


def week_of(monday: dt.date) -> dt.datetime:
    return dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(11), tzinfo=UTC)


WEEK_1 = dt.date(2026, 11, 9)  # Monday
WEEK_2 = dt.date(2026, 11, 16)
JUDGED_2 = dt.datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 in Paris


def answers(brand, unit, score: int, count: int, at: dt.datetime) -> None:
    """`count` answers stored as the intake stores them (with their rollups)."""
    made = [
        Response(
            account=brand.account,
            unit=unit,
            unit_path=unit.path,
            touchpoint=brand.purchase,
            channel="email",
            score=score,
            answered_at=at + dt.timedelta(minutes=n),
        )
        for n in range(count)
    ]
    Response.objects.bulk_create(made)
    folding.add_responses(brand.account, made)


def judge(at: dt.datetime) -> dict:
    with time_machine.travel(at, tick=False):
        return actions.evaluate_alerts()


def mails_to(user) -> list[Delivery]:
    return list(Delivery.objects.filter(user=user, event_type="alert.opened").order_by("pk"))


# --- the noise simulation (the rules `evaluate_alerts` applies, on simulated answers) ----------


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def simulate_steady_stores(stores: int, weeks: int, seed: int) -> tuple[float, int]:
    """`stores` stores whose true NPS never moves (50 % promoters, 30 % passives, 20 %
    detractors: +30) and whose volume ranges from 2 to 80 answers a week, each with a
    target of +20 (which they meet), judged every week for `weeks` weeks after a year of
    history. Returns the share of stores that raised any alert, and the alerts raised."""
    rng = random.Random(seed)
    first_sunday = dt.date(2026, 3, 1)
    history = 3 * 90 + 7
    days = history + 7 * weeks
    start = first_sunday - dt.timedelta(history - 1)
    prefix = []  # running (P, A, D) per store and day
    for _ in range(stores):
        lam = math.exp(rng.uniform(math.log(2 / 7), math.log(80 / 7)))
        p = a = d = 0
        running = [(0, 0, 0)]
        for _ in range(days):
            for _ in range(_poisson(rng, lam)):
                u = rng.random()
                if u < 0.5:
                    p += 1
                elif u < 0.8:
                    a += 1
                else:
                    d += 1
            running.append((p, a, d))
        prefix.append(running)

    def counts(s: int, window: rules.Window) -> nps.Counts:
        i, j = (window.start - start).days, (window.end - start).days + 1
        lo, hi = prefix[s][i], prefix[s][j]
        return nps.Counts(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])

    opened: list[set] = [set() for _ in range(stores)]
    alerted = [False] * stores
    raised = 0
    for w in range(weeks):
        sunday = first_sunday + dt.timedelta(7 * w)
        week = rules.Window(sunday - dt.timedelta(6), sunday, "last week")
        windows = [rules.windows(sunday, counts(s, week).n) for s in range(stores)]
        now = [counts(s, windows[s].current) for s in range(stores)]
        priors = {
            rolling: nps.dirichlet_prior(
                [now[s] for s in range(stores) if windows[s].rolling == rolling and now[s].n]
            )
            for rolling in (False, True)
        }
        for s in range(stores):
            found = rules.judge(
                windows[s],
                now[s],
                counts(s, windows[s].previous),
                counts(s, windows[s].baseline),
                target=20,
                prior=priors[windows[s].rolling],
            )
            for finding in found:
                step = rules.step(finding.kind in opened[s], finding)
                if step == "open":
                    opened[s].add(finding.kind)
                    alerted[s] = True
                    raised += 1
                elif step == "clear":
                    opened[s].discard(finding.kind)
    return sum(alerted) / stores, raised


def test_a_thousand_steady_stores_over_twelve_weeks_raise_fewer_than_5_percent_false_alerts():
    share, raised = simulate_steady_stores(1_000, 12, seed=16)
    assert share < 0.05, f"{share:.1%} of steady stores raised an alert ({raised} alerts)"


def test_a_real_fall_is_caught_the_week_it_happens():
    """The same rules are not merely silent: a store falling from +40 to -30 on 40 answers
    a week alerts at once."""
    sunday = dt.date(2026, 6, 7)
    windows = rules.windows(sunday, 40)
    assert not windows.rolling and windows.current.name == "last week"
    found = rules.judge(
        windows, nps.Counts(8, 12, 20), nps.Counts(20, 16, 4), nps.Counts(240, 192, 48)
    )
    fall = next(f for f in found if f.kind == rules.NPS_FALL)
    assert fall.holds and "unlikely to be chance" in fall.summary
    assert fall.evidence["before"]["z"] <= -rules.Z_FALL


def test_a_small_unit_is_judged_on_the_last_90_days_and_named_so():
    windows = rules.windows(dt.date(2026, 6, 7), 4)
    assert windows.rolling and windows.current.name == "the last 90 days"
    assert (windows.current.end - windows.current.start).days == 89
    # Two answers against one are never a fall: too few to judge.
    found = rules.judge(windows, nps.Counts(0, 0, 2), nps.Counts(1, 0, 0), nps.Counts(1, 0, 0))
    assert not any(f.holds for f in found)


# --- with the database and the clock -----------------------------------------------------------


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_fall_alerts_the_managers_once_with_the_evidence(brand, people):
    answers(brand, brand.store, 10, 40, week_of(WEEK_1))
    answers(brand, brand.store, 2, 40, week_of(WEEK_2))
    done = judge(JUDGED_2)
    assert done["opened"] >= 2  # North (its manager) and the brand (its admin)
    north = Alert.objects.get(unit=brand.north, kind=rules.NPS_FALL)
    assert north.window_name == "last week"
    assert (north.window_start, north.window_end) == (WEEK_2, WEEK_2 + dt.timedelta(days=6))
    [mail] = mails_to(people["north_manager"])
    assert mail.subject == "NPS fell at North"
    assert "a fall unlikely to be chance" in mail.body_text
    assert f"/alerts/{north.pk}/" in mail.body_text
    assert "from=2026-11-16&to=2026-11-22" in mail.body_text  # the dashboard over the window
    assert len(mails_to(people["brand_admin"])) == 1
    assert not mails_to(people["south_store_manager"])  # Nice did not fall

    # Judged again the same week, by this worker or another: nothing more.
    assert judge(JUDGED_2 + dt.timedelta(hours=3))["accounts"] == 0
    assert AlertCheck.objects.count() == 2  # the brand's account and the outsider's
    # A week later the store is still low: the condition still holds, no second alert.
    answers(brand, brand.store, 2, 40, week_of(WEEK_2 + dt.timedelta(days=7)))
    judge(JUDGED_2 + dt.timedelta(days=7))
    assert Alert.objects.filter(unit=brand.north, kind=rules.NPS_FALL).count() == 1
    assert len(mails_to(people["north_manager"])) == 1

    client = Client()
    client.force_login(people["north_manager"])
    page = client.get(f"/alerts/{north.pk}/").content.decode()
    assert "The evidence" in page and "last week" in page and "z = " in page
    assert f"/units/{brand.north.pk}/?from=2026-11-16&amp;to=2026-11-22" in page
    client.force_login(people["south_store_manager"])
    assert client.get(f"/alerts/{north.pk}/").status_code == 404


@pytestmark_db
def test_an_alert_fires_again_only_after_it_cleared(brand, people):
    answers(brand, brand.store, 10, 40, week_of(WEEK_1))
    answers(brand, brand.store, 2, 40, week_of(WEEK_2))
    judge(JUDGED_2)
    # The store recovers for good: back to promoters for two weeks, the alert clears.
    for k in (1, 2):
        answers(brand, brand.store, 10, 40, week_of(WEEK_2 + dt.timedelta(days=7 * k)))
        judge(JUDGED_2 + dt.timedelta(days=7 * k))
    north = Alert.objects.get(unit=brand.north, kind=rules.NPS_FALL)
    assert north.state == "cleared"
    # Then it falls again: a new alert, a new email.
    answers(brand, brand.store, 1, 40, week_of(WEEK_2 + dt.timedelta(days=21)))
    judge(JUDGED_2 + dt.timedelta(days=21))
    assert Alert.objects.filter(unit=brand.north, kind=rules.NPS_FALL).count() == 2
    assert len(mails_to(people["north_manager"])) == 2


@pytestmark_db
def test_below_target_with_90_percent_certainty_alerts_and_muting_silences_it(brand, people):
    """Each store aims at +50. Lille's week of detractors puts it surely below: its
    holder (the North manager, Lille has none of its own) hears of it, until they mute."""
    do_set_target(account=brand.account, kind="store", nps=50)
    answers(brand, brand.store, 10, 40, week_of(WEEK_1))
    answers(brand, brand.other_store, 9, 40, week_of(WEEK_2))
    answers(brand, brand.store, 3, 40, week_of(WEEK_2))
    judge(JUDGED_2)
    below = Alert.objects.get(unit=brand.store, kind=rules.BELOW_TARGET)
    assert below.evidence["target"] == 50 and below.evidence["probability_below"] >= 0.9
    assert not Alert.objects.filter(unit=brand.other_store, kind=rules.BELOW_TARGET).exists()
    subjects = [m.subject for m in mails_to(people["north_manager"])]
    assert "NPS below target at Lille Centre" in subjects

    client = Client()
    client.force_login(people["north_manager"])
    muted = client.post(f"/alerts/{below.pk}/mute", {"what": "all"})
    assert muted.status_code == 302
    assert "Unmute every alert at" in client.get(f"/alerts/{below.pk}/").content.decode()
    sent = len(mails_to(people["north_manager"]))
    # Lille recovers (the alerts clear), then sinks again: new alerts, but no mail about
    # Lille for the person who muted it; North's own alert still reaches them.
    for k, score in ((1, 10), (2, 10), (3, 0)):
        answers(brand, brand.store, score, 40, week_of(WEEK_2 + dt.timedelta(days=7 * k)))
        judge(JUDGED_2 + dt.timedelta(days=7 * k))
    assert Alert.objects.filter(unit=brand.store, kind=rules.BELOW_TARGET).count() == 2
    later = [m.subject for m in mails_to(people["north_manager"])[sent:]]
    assert later == ["NPS fell at North"]


@pytestmark_db
def test_alerts_follow_each_persons_notification_preference(brand, people):
    do_set_preference(people["north_manager"], "off")
    do_set_preference(people["brand_admin"], "digest")
    answers(brand, brand.store, 10, 40, week_of(WEEK_1))
    answers(brand, brand.store, 2, 40, week_of(WEEK_2))
    judge(JUDGED_2)
    assert Alert.objects.filter(unit=brand.north).exists()
    assert not mails_to(people["north_manager"])
    [held] = mails_to(people["brand_admin"])
    assert held.state == Delivery.State.HELD  # in tomorrow's daily digest


@pytestmark_db
def test_the_alerts_page_lists_ones_own_units_only(brand, people):
    answers(brand, brand.store, 10, 40, week_of(WEEK_1))
    answers(brand, brand.store, 2, 40, week_of(WEEK_2))
    judge(JUDGED_2)
    client = Client()
    client.force_login(people["north_manager"])
    page = client.get("/alerts/").content.decode()
    assert "NPS fell</strong> · North" in page and "Nimbus Mobile" not in page
    client.force_login(people["vendor_manager"])
    assert "NPS fell" not in client.get("/alerts/").content.decode()
