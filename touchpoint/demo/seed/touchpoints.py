"""The demo's touchpoints (the journey defaults) and how each behaves over the year: its share
of interactions, its average score, its response rate, its hours and seasons; plus the
relationship survey of premium customers and the demo shop's widget key."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.conf import settings

from touchpoint.accounts.models import Account, Unit
from touchpoint.demo.seed.org import BRAND_CODE
from touchpoint.surveys.defaults import do_create_journey_touchpoints
from touchpoint.surveys.models import RecurringSurvey, Touchpoint
from touchpoint.targets.actions import do_set_target
from touchpoint.targets.models import Target
from touchpoint.widget.actions import do_create_publishable_key
from touchpoint.widget.models import PublishableKey

K = Touchpoint.Kind


# The touchpoints and their rules are the journey defaults every account gets
# (`surveys/defaults.py`).

# Share of the interactions, how good each touchpoint is on average (the log-odds of a high
# score before unit and season effects) and how many invitations get an answer.
SHARE = {
    K.STORE_PURCHASE: 0.34,
    K.SUPPORT_CALL: 0.24,
    K.ONLINE_PURCHASE: 0.13,
    K.REPAIR: 0.09,
    K.SIGN_UP: 0.09,
    K.CONTACT_CHANGE: 0.06,
    K.CANCELLATION: 0.05,
}
BASE = {
    K.STORE_PURCHASE: 1.45,
    K.SUPPORT_CALL: 1.35,
    K.ONLINE_PURCHASE: 1.4,
    K.REPAIR: 1.1,
    K.SIGN_UP: 1.6,
    K.CONTACT_CHANGE: 1.15,
    K.CANCELLATION: 0.35,
}
RESPONSE_RATE = {
    K.STORE_PURCHASE: 0.31,
    K.SUPPORT_CALL: 0.29,
    K.ONLINE_PURCHASE: 0.27,
    K.REPAIR: 0.36,
    K.SIGN_UP: 0.22,
    K.CONTACT_CHANGE: 0.25,
    K.CANCELLATION: 0.21,
}
# Local opening hours (start, end, busiest) in which each kind of interaction happens.
HOURS = {
    K.STORE_PURCHASE: (10.0, 19.5, 16.5),
    K.SUPPORT_CALL: (8.0, 20.0, 11.0),
    K.REPAIR: (9.0, 18.0, 15.0),
}
WEB_HOURS = (6.5, 23.9, 20.5)
CALL_REASONS = ("battery", "billing", "software update", "network", "screen", "account", "order")
REPAIRS = ("screen", "battery", "charging port", "camera", "water damage", "back glass")
CANCEL_REASONS = ("price", "moving abroad", "switched brand", "coverage", "no longer needed")


def day_weight(kind: str, day: dt.date) -> float:
    """Volume by day: weekly rhythm, Christmas rush, the September launch, January returns."""
    weekday = day.weekday()
    christmas = dt.date(day.year, 11, 20) <= day <= dt.date(day.year, 12, 24)
    launch = dt.date(day.year, 9, 12) <= day <= dt.date(day.year, 10, 10)
    new_year = day >= dt.date(day.year, 12, 26) or day <= dt.date(day.year, 1, 10)
    if kind == K.STORE_PURCHASE:
        w = (0.8, 0.8, 0.9, 1.0, 1.1, 1.6, 0.6)[weekday]
        w *= 1.6 if christmas else 1.4 if launch else 1.2 if new_year else 1.0
    elif kind == K.ONLINE_PURCHASE:
        w = (1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 1.2)[weekday]
        w *= 1.9 if christmas else 1.5 if launch else 1.0
    elif kind == K.SUPPORT_CALL:
        w = (1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3)[weekday]
        w *= 1.6 if new_year else 1.5 if launch else 1.0
    elif kind == K.REPAIR:
        w = (1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.0)[weekday]
        w *= 1.2 if new_year else 1.0
    elif kind == K.SIGN_UP:
        w = 2.0 if new_year else 1.5 if launch or christmas else 1.0
    elif kind == K.CANCELLATION:
        w = 1.3 if day.month == 1 else 1.0
    else:
        w = 1.0
    return w


def season(kind: str, day: dt.date, progress: float) -> float:
    """A slow improvement over the year, store queues before Christmas, call waits at launch."""
    effect = 0.16 * (progress - 0.5)
    if kind in (K.STORE_PURCHASE, K.ONLINE_PURCHASE) and (
        dt.date(day.year, 11, 20) <= day <= dt.date(day.year, 12, 24)
    ):
        effect -= 0.3
    if kind == K.SUPPORT_CALL and dt.date(day.year, 9, 12) <= day <= dt.date(day.year, 10, 10):
        effect -= 0.35
    return effect


def draw_score(rng: random.Random, logit: float) -> int:
    """A 0-10 score skewed like real NPS answers: a beta draw around the unit's mean."""
    p = 1 / (1 + math.exp(-logit))
    return min(10, int(rng.betavariate(4 * p, 4 * (1 - p)) * 11))


DEMO_WIDGET_KEY = "tpp_demo_nimbus_shop"  # publishable: safe in a page, and fixed for the demo


def ensure_widget_key(account: Account, touchpoint: Touchpoint, unit: Unit) -> None:
    """The key the demo shop page (/demo/shop/) embeds; its widget asks after 5 seconds on
    the second page."""
    if touchpoint.widget_rules.get("delay_seconds") == 20:  # still the journey default
        touchpoint.widget_rules = {"delay_seconds": 5, "min_page_views": 2, "url_patterns": []}
        touchpoint.save(update_fields=["widget_rules"])
    origins = {settings.SITE_URL, "http://localhost:8000", "http://127.0.0.1:8000"}
    key = PublishableKey.objects.filter(key=DEMO_WIDGET_KEY).first()
    if key is not None:
        if not origins <= key.origins:  # the demo now runs at another address
            key.allowed_origins = "\n".join(sorted(origins | key.origins))
            key.save(update_fields=["allowed_origins"])
        return
    do_create_publishable_key(
        account=account,
        name="Demo shop",
        touchpoint=touchpoint,
        unit=unit,
        origins=sorted(origins),
        key=DEMO_WIDGET_KEY,
    )


def ensure_recurring(account: Account, units: dict[str, Unit]) -> RecurringSurvey:
    """A relationship survey of premium customers twice a year: the worker spreads the
    segment over six months and the quarantine keeps it clear of their other surveys."""
    touchpoint, _ = Touchpoint.objects.get_or_create(
        account=account,
        slug="relationship",
        defaults={"name": "Relationship (premium)", "kind": Touchpoint.Kind.RELATIONSHIP},
    )
    survey, _ = RecurringSurvey.objects.get_or_create(
        account=account,
        name="Premium customers, every 6 months",
        defaults={
            "touchpoint": touchpoint,
            "unit": units[BRAND_CODE],
            "segment": {"tier": "premium"},
            "every_months": 6,
        },
    )
    return survey


def ensure_touchpoints(account: Account) -> dict[str, Touchpoint]:
    """The account's touchpoints by kind: the journey defaults."""
    return {t.kind: t for t in do_create_journey_touchpoints(account).values()}


# Targets a CX lead would set: each store at +40, each support agent at +35.
TARGETS = {"store": 40, "agent": 35}


def ensure_targets(account: Account) -> None:
    """The demo's targets by kind of unit, unless someone changed them already."""
    for kind, value in TARGETS.items():
        if not Target.objects.filter(account=account, unit__isnull=True, kind=kind).exists():
            do_set_target(account=account, kind=kind, nps=value)
