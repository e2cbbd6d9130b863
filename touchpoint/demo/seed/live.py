"""A few interactions "just now" through the real intake, so the worker has emails to send
when the demo starts. Their external ids are fixed, so a second run adds nothing."""

from __future__ import annotations

import datetime as dt

from touchpoint.accounts.models import Account
from touchpoint.demo.seed.customers import ascii_fold
from touchpoint.demo.seed.org import demo_tree
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import ContactIn, InteractionIn
from touchpoint.surveys.models import Interaction

LIVE_PREFIX = "demo-live-"


# (touchpoint, unit name (a team: its first agent), contact name, locale, minutes ago)
LIVE = [
    ("store-purchase", "London Oxford Street", "Olivia Bennett", "en", 4),
    ("store-purchase", "Paris Opéra", "Léa Fontaine", "fr", 9),
    ("store-purchase", "Berlin Alexanderplatz", "Jonas Becker", "de", 14),
    ("store-purchase", "Madrid Gran Vía", "Lucía Navarro", "es", 21),
    ("store-purchase", "Manchester Arndale", "Callum Reid", "en", 27),
    ("store-purchase", "Dublin Grafton Street", "Niamh Doyle", "en", 33),
    ("support-call", "CallCo Glasgow, phones", "Harriet Cole", "en", 3),
    ("support-call", "Helpwise Dublin, tier 1", "Conor Walsh", "en", 8),
    ("support-call", "Atlas Contact Casablanca", "Julien Marchand", "fr", 12),
    ("support-call", "VoxPoint Berlin", "Katharina Vogel", "de", 18),
    ("support-call", "TeleServe Lisbon, Spanish", "Pablo Serrano", "es", 24),
    ("support-call", "CallCo Belfast", "Priya Shah", "en", 30),
    ("repair", "Repair Centre London Park Royal", "George Ellis", "en", 6),
    ("repair", "Repair Centre Paris Rungis", "Chloé Garnier", "fr", 16),
    ("repair", "Repair Centre Madrid", "Martín Ortega", "es", 26),
]


def live_items(now: dt.datetime) -> list[InteractionIn]:
    """The live interactions as the intake receives them. Their external ids are fixed; their
    times are "a few minutes ago" for the run that first records them."""
    code_of, first_agent = {}, {}
    for spec in demo_tree():
        code_of.setdefault(spec.name, spec.code)
        if spec.kind == "agent":
            first_agent.setdefault(spec.parent, spec.code)
    items = []
    for n, (touchpoint, unit, name, locale, minutes) in enumerate(LIVE, start=1):
        code = code_of[unit]
        given, family = name.split(" ", 1)
        items.append(
            InteractionIn(
                external_id=f"{LIVE_PREFIX}{n:02d}",
                touchpoint=touchpoint,
                unit=first_agent.get(code, code),
                occurred_at=now - dt.timedelta(minutes=minutes),
                contact=ContactIn(
                    email=f"{ascii_fold(given)}.{ascii_fold(family)}@example.net",
                    name=name,
                    locale=locale,
                    attributes={"phone_model": "Nimbus X5", "tier": "standard"},
                ),
                properties={"source": "demo"},
            )
        )
    return items


def seed_live(account: Account, *, now: dt.datetime) -> int:
    """Record the live interactions not yet stored, through the real intake."""
    items = live_items(now)
    stored = set(
        Interaction.objects.filter(
            account=account, external_id__in=[i.external_id for i in items]
        ).values_list("external_id", flat=True)
    )
    missing = [item for item in items if item.external_id not in stored]
    if not missing:
        return 0
    result = record_interactions(account, missing)
    if not result.ok:
        raise RuntimeError(f"the demo intake was refused: {result.errors}")
    return sum(item.created for item in result.items)
