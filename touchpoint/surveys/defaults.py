"""The journey touchpoints every account starts with: one home for their defaults.

`do_create_journey_touchpoints` creates the missing ones (by slug) for an account; it never
changes a touchpoint the account already has, so it is safe to run again. The demo seed uses
it too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop as _

from touchpoint.accounts.models import Account
from touchpoint.surveys.models import Channel, Touchpoint

K = Touchpoint.Kind
QUIET = {"quiet_hours_start": dt.time(21), "quiet_hours_end": dt.time(8)}


def _options(*pairs: tuple[str, str]) -> list[dict]:
    return [{"key": key, "label": label} for key, label in pairs]


CANCELLATION_REASONS = {
    "key": "reasons",
    "type": "multiple_choice",
    "text": _("Why are you leaving? Choose all that apply."),
    "options": _options(
        ("price", _("The price")),
        ("better_offer", _("I found a better offer elsewhere")),
        ("not_used", _("I do not use it enough")),
        ("quality", _("Problems with the product or the service")),
        ("support", _("Customer support")),
        ("moving", _("I am moving or my situation changed")),
        ("other", _("Something else")),
    ),
    "show_to": ["promoter", "passive", "detractor"],
}
PROBLEM_SOLVED = {
    "key": "solved",
    "type": "single_choice",
    "text": _("Was your problem solved?"),
    "options": _options(("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))),
    "show_to": ["passive", "detractor"],
}
REPAIR_TIME = {
    "key": "repair_time",
    "type": "scale",
    "text": _("How satisfied are you with the time the repair took?"),
    "show_to": ["promoter", "passive", "detractor"],
}
IMPROVE = {
    "key": "improve",
    "type": "text",
    "text": _("What one thing should we improve first?"),
    "show_to": ["detractor"],
}

JOURNEY: list[dict] = [
    # Anonymous visitors of a landing page or an ad's target: the website widget, once they
    # have looked around a little (two pages, 20 seconds).
    {
        "slug": "landing-page",
        "name": "Landing page or ad",
        "kind": K.LANDING_PAGE,
        "channel": Channel.WIDGET,
        "expiry_days": 1,
        "widget_rules": {"delay_seconds": 20, "min_page_views": 2, "url_patterns": []},
    },
    {
        "slug": "sign-up",
        "name": "Web sign-up",
        "kind": K.SIGN_UP,
        "channel": Channel.WEB,
        "expiry_days": 7,
    },
    {
        "slug": "store-purchase",
        "name": "Store purchase",
        "kind": K.STORE_PURCHASE,
        "expiry_days": 14,
        "questions": [IMPROVE],
    },
    # Asked once the parcel has arrived, not at checkout.
    {
        "slug": "online-purchase",
        "name": "Online purchase",
        "kind": K.ONLINE_PURCHASE,
        "delay": dt.timedelta(days=3),
        "expiry_days": 14,
        **QUIET,
    },
    {
        "slug": "support-call",
        "name": "Support call closed",
        "kind": K.SUPPORT_CALL,
        "expiry_days": 7,
        "questions": [PROBLEM_SOLVED],
    },
    # The device needs two days back in the customer's hands before they can judge it.
    {
        "slug": "repair",
        "name": "Repair completed",
        "kind": K.REPAIR,
        "delay": dt.timedelta(hours=48),
        "expiry_days": 14,
        "questions": [REPAIR_TIME],
        **QUIET,
    },
    # Contact changes are frequent and low-stakes: survey one in two.
    {
        "slug": "contact-change",
        "name": "Contact-details change",
        "kind": K.CONTACT_CHANGE,
        "sampling_rate": Decimal("0.5"),
        "expiry_days": 7,
    },
    # Always ask a leaving customer, even one surveyed last week, and ask why.
    {
        "slug": "cancellation",
        "name": "Cancellation",
        "kind": K.CANCELLATION,
        "quarantine_days": 0,
        "expiry_days": 14,
        "questions": [CANCELLATION_REASONS],
    },
]


@transaction.atomic
def do_create_journey_touchpoints(account: Account) -> dict[str, Touchpoint]:
    """The journey touchpoints of the account by slug, creating those it lacks."""
    out = {}
    for spec in JOURNEY:
        values = dict(spec)
        slug = values.pop("slug")
        out[slug], _created = Touchpoint.objects.get_or_create(
            account=account, slug=slug, defaults=values
        )
    return out
