"""The demo account: Nimbus Mobile, a smartphone brand with stores, support vendors and repair
centres, a year of survey history, and a few interactions "just now" through the real intake.

One module per concern: `org` (the tree and the sign-in names), `customers`, `comments`,
`touchpoints`, `history`, `live`, `channels` and `tickets`. Only the demo commands
(`seed-demo`, `demo`) import this package; no app imports it.

`seed_demo` is idempotent. Each step creates only what is missing: units by code, touchpoints
by slug, the history once (it is one transaction, marked by its first external id), and the
live interactions by their fixed external ids. Running it again adds nothing.

The history is written with bulk inserts (no intake, no rules engine per row) so 50,000
interactions take seconds, but it follows the same rules the intake applies: send time from
the delay and quiet hours, quarantine, opt-outs, sampling, expiry, attribution snapshots.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.alerts.actions import evaluate_alerts
from touchpoint.contacts.models import Contact
from touchpoint.demo.seed.channels import ensure_suppressions, seed_channels
from touchpoint.demo.seed.history import history_id, seed_history
from touchpoint.demo.seed.live import seed_live
from touchpoint.demo.seed.org import (
    ACCOUNT_SLUG,
    BRAND_CODE,
    DEMO_PASSWORD,
    ensure_people,
    ensure_tree,
)
from touchpoint.demo.seed.tickets import ensure_managers, seed_fresh_answers, seed_tickets
from touchpoint.demo.seed.touchpoints import (
    ensure_recurring,
    ensure_targets,
    ensure_touchpoints,
    ensure_widget_key,
)
from touchpoint.lib.nps import Counts
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Invitation, Touchpoint

K = Touchpoint.Kind


@dataclass
class SeedSummary:
    account: str
    units: dict[str, int]
    touchpoints: int
    contacts: int
    interactions: int
    invitations: dict[str, int]
    responses: int
    nps: float | None
    history_created: int  # interactions added by this run's history step (0: already there)
    live_created: int  # interactions added through the intake by this run
    seconds: float = 0.0
    tickets_created: int = 0
    alerts_opened: int = 0

    def lines(self) -> list[str]:
        units = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.units.items())
        invitations = ", ".join(f"{n} {state}" for state, n in sorted(self.invitations.items()))
        sent = sum(
            n for state, n in self.invitations.items() if state in ("sent", "answered", "expired")
        )
        rate = f"{100 * self.responses / sent:.0f}% of sent" if sent else "none sent"
        nps = "n/a" if self.nps is None else f"{self.nps:+.0f}"
        return [
            f"Demo account {self.account!r}",
            f"  units: {units}",
            f"  touchpoints: {self.touchpoints}",
            f"  contacts: {self.contacts}",
            f"  interactions: {self.interactions} ({self.history_created} history and "
            f"{self.live_created} live added by this run)",
            f"  invitations: {invitations}",
            f"  responses: {self.responses} ({rate}), NPS {nps}",
            f"  tickets: {self.tickets_created} added by this run",
            f"  alerts: {self.alerts_opened} opened by this run",
            f"  took {self.seconds:.1f} s",
        ]


def seed_demo(
    *, interactions: int = 50_000, seed: int = 7, now: dt.datetime | None = None
) -> SeedSummary:
    """Create what is missing of the demo account, in order: the account, its organisation
    tree, its touchpoints, a year of history (`interactions` rows, drawn from `seed`), and a
    few live interactions through the intake so the worker has emails to send."""
    started = time.monotonic()
    now = now or timezone.now()
    account, _ = Account.objects.get_or_create(
        slug=ACCOUNT_SLUG,
        defaults={
            "name": "Nimbus Mobile",
            "time_zone": "Europe/London",
            "default_locale": "en",
            "quarantine_days": 30,
        },
    )
    units = ensure_tree(account)
    touchpoints = ensure_touchpoints(account)
    history = 0
    if not Interaction.objects.filter(account=account, external_id=history_id(1)).exists():
        history = seed_history(
            account, units, touchpoints, count=interactions, rng=random.Random(seed), now=now
        )
    live = seed_live(account, now=now)
    ensure_recurring(account, units)
    live += seed_channels(account, now=now)
    ensure_suppressions(account, now=now)
    ensure_people(account, units)
    ensure_managers(account, password=DEMO_PASSWORD, rng=random.Random(seed))
    tickets = seed_tickets(account, now=now, rng=random.Random(seed))
    tickets += seed_fresh_answers(account, now=now)
    ensure_widget_key(account, touchpoints[K.LANDING_PAGE], units[BRAND_CODE])
    ensure_targets(account)
    alerts = evaluate_alerts(now, accounts=[account])  # last week's, once per week
    summary = summarise(account, history_created=history, live_created=live)
    summary.alerts_opened = alerts["opened"]
    summary.tickets_created = tickets
    summary.seconds = time.monotonic() - started
    return summary


def summarise(account: Account, *, history_created: int, live_created: int) -> SeedSummary:
    kinds = dict(
        Unit.objects.filter(account=account)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    order = [k for k, _ in Unit.Kind.choices]
    states = dict(
        Invitation.objects.filter(account=account)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by("state")
    )
    histogram = dict(
        Response.objects.filter(account=account)
        .values_list("score")
        .annotate(n=Count("pk"))
        .order_by("score")
    )
    counts = Counts.from_histogram([histogram.get(s, 0) for s in range(11)])
    return SeedSummary(
        account=account.slug,
        units={k: kinds[k] for k in order if k in kinds},
        touchpoints=Touchpoint.objects.filter(account=account).count(),
        contacts=Contact.objects.filter(account=account).count(),
        interactions=Interaction.objects.filter(account=account).count(),
        invitations=states,
        responses=counts.n,
        nps=counts.nps,
        history_created=history_created,
        live_created=live_created,
    )
