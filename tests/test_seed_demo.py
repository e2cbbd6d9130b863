"""`touchpoint seed-demo`: a smartphone brand with a year of history, in one idempotent command."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.models import Contact
from touchpoint.demo.seed import seed_demo
from touchpoint.demo.seed.live import LIVE_PREFIX
from touchpoint.demo.seed.org import DEMO_PASSWORD, DEMO_PEOPLE, effective_quality
from touchpoint.demo.seed.themed_comments import corpus
from touchpoint.demo.seed.tickets import FRESH_PREFIX
from touchpoint.lib.nps import Counts
from touchpoint.responses.actions import attribution_for
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Invitation, RecurringSurvey, Touchpoint
from touchpoint.widget.models import PublishableKey

pytestmark = pytest.mark.django_db
N = 2000
UNIT_KIND_OF = {
    "store-purchase": "store",
    "support-call": "agent",
    "repair": "repair_centre",
    "sign-up": "brand",
    "contact-change": "brand",
    "cancellation": "brand",
    "online-purchase": "brand",
}
CHANNEL_TOUCHPOINTS = {"store-purchase-phone", "support-call-sms"}  # live only, no history


@pytest.fixture
def demo() -> Account:
    seed_demo(interactions=N)
    return Account.objects.get(slug="demo")


def nps(responses, *, minimum: int = 30) -> float:
    counts = Counts.from_scores([r.score for r in responses])
    assert counts.n >= minimum, "too few answers to compare"
    return counts.nps


def test_the_tree_has_regions_stores_vendors_teams_agents_and_repair_centres(demo):
    units = list(Unit.objects.filter(account=demo))
    kinds = Counter(u.kind for u in units)
    assert kinds["brand"] == 1
    assert kinds["region"] >= 5 and kinds["store"] >= 60
    assert kinds["vendor"] >= 4 and kinds["team"] >= kinds["vendor"] and kinds["agent"] >= 120
    assert kinds["repair_centre"] >= 10
    by_id = {u.pk: u for u in units}
    for unit in units:
        parent = by_id.get(unit.parent_id)
        assert unit.path == f"{parent.path if parent else '/'}{unit.pk}/"
        assert unit.depth == (parent.depth + 1 if parent else 0)
    codes = {u.kind: [] for u in units}
    for unit in units:
        codes[unit.kind].append(unit.code)
    assert all(re.fullmatch(r"store-\d{3}", c) for c in codes["store"])
    assert all(re.fullmatch(r"agent-\d{3}", c) for c in codes["agent"])
    assert {by_id[u.parent_id].kind for u in units if u.kind == "agent"} == {"team"}
    assert {by_id[u.parent_id].kind for u in units if u.kind == "store"} == {"region"}


def test_touchpoints_carry_their_survey_rules(demo):
    touchpoints = {t.slug: t for t in Touchpoint.objects.filter(account=demo)}
    assert set(touchpoints) == set(UNIT_KIND_OF) | CHANNEL_TOUCHPOINTS | {
        "landing-page",
        "relationship",
    }
    recurring = RecurringSurvey.objects.get(account=demo)
    assert (recurring.touchpoint.slug, recurring.segment) == ("relationship", {"tier": "premium"})
    repair = touchpoints["repair"]
    assert repair.delay == dt.timedelta(hours=48)
    assert (repair.quiet_hours_start, repair.quiet_hours_end) == (dt.time(21), dt.time(8))
    assert touchpoints["store-purchase"].delay == dt.timedelta(0)
    assert touchpoints["support-call"].channel == "email"
    assert touchpoints["sign-up"].channel == "web"
    assert touchpoints["landing-page"].channel == "widget"
    assert touchpoints["cancellation"].questions[0]["key"] == "reasons"
    # The demo shop page (/demo/shop/) embeds the widget with this publishable key.
    key = PublishableKey.objects.get(account=demo)
    assert (key.key, key.touchpoint.slug) == ("tpp_demo_nimbus_shop", "landing-page")


def test_history_spreads_over_a_year_at_the_right_units_with_a_plausible_response_rate(demo):
    history = Interaction.objects.filter(account=demo, external_id__regex=r"^demo-\d{6}$")
    assert history.count() == N
    now = timezone.now()
    span = [i.occurred_at for i in history]
    assert min(span) >= now - dt.timedelta(days=367)
    assert max(span) <= now - dt.timedelta(hours=1)
    assert max(span) - min(span) > dt.timedelta(days=330)
    pairs = set(history.values_list("touchpoint__slug", "unit__kind"))
    assert pairs == set(UNIT_KIND_OF.items())

    states = Counter(Invitation.objects.filter(account=demo).values_list("state", flat=True))
    sent = states["answered"] + states["expired"] + states["sent"]
    assert 0.25 <= states["answered"] / sent <= 0.35
    reasons = Counter(
        Invitation.objects.filter(account=demo, state="suppressed").values_list("reason", flat=True)
    )
    assert reasons["quarantine"] > 0 and reasons["opted_out"] > 0
    assert sum(reasons.values()) < 0.15 * N
    expired = Invitation.objects.filter(account=demo, state="expired")
    assert set(expired.values_list("reason", flat=True)) == {"not_answered"}
    assert not expired.filter(expires_at__gt=now).exists()

    contact = Contact.objects.filter(account=demo, last_invited_at__isnull=False).first()
    latest = contact.invitations.exclude(state="suppressed").order_by("-send_at").first().send_at
    assert contact.last_invited_at == latest


def test_scores_follow_the_latent_quality_of_units_and_the_touchpoint(demo):
    quality = effective_quality()
    responses = list(Response.objects.filter(account=demo).select_related("unit", "touchpoint"))
    rated = [r for r in responses if r.unit.kind in ("store", "agent", "repair_centre")]
    weak = [r for r in rated if quality[r.unit.code] < -0.3]
    strong = [r for r in rated if quality[r.unit.code] > 0.3]
    assert nps(strong) - nps(weak) > 40

    purchases = [r for r in responses if r.touchpoint.slug == "store-purchase"]
    cancellations = [r for r in responses if r.touchpoint.slug == "cancellation"]
    assert nps(purchases) - nps(cancellations, minimum=15) > 25


def test_comments_match_the_score_and_many_answers_have_none(demo):
    responses = list(
        Response.objects.filter(account=demo).exclude(
            interaction__external_id__startswith=FRESH_PREFIX
        )
    )
    commented = [r for r in responses if r.comment]
    assert 0.2 < len(commented) / len(responses) < 0.6
    feeling = {"promoter": "positive", "passive": "neutral", "detractor": "negative"}
    pools = {"positive": set(), "neutral": set(), "negative": set()}
    for (_, _, sentiment), items in corpus().items():
        pools[sentiment].update(item.text for item in items)
    assert all(r.comment in pools[feeling[r.category]] for r in commented)
    assert {r.locale for r in commented} >= {"en", "fr", "de", "es"}


def test_weak_units_customers_write_about_their_weakness(demo):
    from touchpoint.demo.seed.themed_comments import GROUP, weakness

    quality = effective_quality()
    texts = {item.text: item for items in corpus().values() for item in items}
    on_topic = total = 0
    for r in (
        Response.objects.filter(account=demo)
        .exclude(comment="")
        .select_related("unit", "touchpoint")
    ):
        if r.comment not in texts or r.score > 8 or quality.get(r.unit.code, 0) >= -0.3:
            continue
        focus = weakness(r.unit.code, GROUP.get(r.touchpoint.kind, ""))
        if focus:
            total += 1
            on_topic += bool(set(texts[r.comment].themes) & set(focus))
    # About 0.8 of them are on topic, against 0.1 to 0.5 by chance; the demo's few dozen
    # (drawn anew as its dates follow the clock) fall below 0.6 about once in a hundred
    # seedings, below 0.5 about once in ten thousand. The rate itself is pinned below.
    assert total >= 10 and on_topic / total > 0.5


@pytest.mark.parametrize(
    ("kind", "unit_code"),
    [
        (Touchpoint.Kind.STORE_PURCHASE, "store-027"),
        (Touchpoint.Kind.SUPPORT_CALL, "agent-527"),
        (Touchpoint.Kind.REPAIR, "repair-03"),
    ],
)
def test_a_weak_units_unhappy_customers_mostly_write_about_its_weakness(kind, unit_code):
    """The seeder's own draw, 2,000 times with a fixed seed: a weak unit's unhappy customers
    write about its weakness four times in five, far more than a sound unit's do."""
    from touchpoint.demo.seed.themed_comments import GROUP, feedback, weakness

    texts = {item.text: item for items in corpus().values() for item in items}
    focus = set(weakness(unit_code, GROUP[kind]))

    def on_topic(quality: float) -> float:
        rng = random.Random(7)
        said = [
            feedback(rng, kind, "en", rng.choice((2, 5, 7)), unit_code=unit_code, quality=quality)[
                0
            ]
            for _ in range(2000)
        ]
        said = [text for text in said if text]
        return sum(bool(set(texts[text].themes) & focus) for text in said) / len(said)

    weak, sound = on_topic(-1.0), on_topic(0.5)
    assert weak > 0.75 and weak - sound > 0.25


def test_responses_keep_the_attribution_snapshot_of_their_unit(demo):
    units = {u.pk: u for u in Unit.objects.filter(account=demo)}
    responses = list(Response.objects.filter(account=demo))
    for response in responses:
        unit = units[response.unit_id]
        assert response.unit_path == unit.path
        assert response.attribution == attribution_for(unit, units)
    agent = next(r for r in responses if units[r.unit_id].kind == "agent")
    assert set(agent.attribution) == {"brand", "vendor", "team", "agent"}
    assert agent.invitation.unit_id == agent.unit_id == agent.interaction.unit_id


def test_running_it_again_adds_nothing(demo):
    models = (Unit, Touchpoint, Contact, Interaction, Invitation, Response)
    before = [m.objects.count() for m in models]
    again = seed_demo(interactions=N)
    assert [m.objects.count() for m in models] == before
    assert (again.history_created, again.live_created) == (0, 0)


def test_live_interactions_go_through_the_intake_and_are_scheduled(demo):
    now = timezone.now()
    live = Invitation.objects.filter(
        account=demo, interaction__external_id__startswith=LIVE_PREFIX
    ).select_related("interaction", "touchpoint", "contact")
    assert live.count() >= 12
    assert {i.state for i in live} == {"scheduled"}
    due_now = [i for i in live if i.touchpoint.slug in ("store-purchase", "support-call")]
    assert len(due_now) >= 10 and all(i.send_at <= now for i in due_now)
    repairs = [i for i in live if i.touchpoint.slug == "repair"]
    assert repairs
    assert all(i.send_at >= i.interaction.occurred_at + dt.timedelta(hours=48) for i in repairs)
    assert all(i.contact.email.endswith("@example.net") for i in live)


def test_the_command_prints_a_summary():
    out = io.StringIO()
    call_command("seed-demo", "--interactions", "300", stdout=out)
    text = out.getvalue()
    assert "store" in text and "agent" in text and "responses:" in text and "tickets:" in text
    assert "themes: 18 added" in text and "answers analysed" in text
    # 300 of history, 15 live emails and 8 live on the SMS and phone channels.
    assert Interaction.objects.filter(external_id__startswith="demo-").count() == 323


def test_demo_people_sign_in_at_every_level_and_see_their_part(demo, client):
    from touchpoint.accounts.access import scoped_units

    for username, _, unit_code, _ in DEMO_PEOPLE:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        user = get_user_model().objects.get(username=username)
        assert scoped_units(user).filter(code=unit_code).exists()
    london = get_user_model().objects.get(username="london-manager")
    kinds = set(scoped_units(london).values_list("kind", flat=True))
    assert kinds == {"region", "store"}


def test_history_is_dated_when_it_happened(demo):
    interaction = Interaction.objects.filter(external_id__startswith="demo-0").earliest("pk")
    assert interaction.created_at == interaction.occurred_at
    invitation = interaction.invitations.get()
    assert invitation.created_at == interaction.occurred_at
    contact = interaction.contact
    assert contact.created_at <= interaction.occurred_at
    answered = Response.objects.filter(interaction__external_id__startswith="demo-0").first()
    assert answered.created_at == answered.answered_at


def test_rollups_of_the_seed_agree_with_a_rebuild(demo):
    from tests.test_rollups import stored
    from touchpoint.reports import folding

    before = stored(demo)
    assert any(key[3] is None for key in before) and any(key[3] for key in before)
    folding.rebuild(demo)
    assert stored(demo) == before


def test_the_demo_has_a_living_ticket_inbox(demo):
    from django.db.models import Count

    from touchpoint.tickets.models import Ticket

    states = dict(Ticket.objects.values_list("state").annotate(n=Count("pk")).order_by())
    # At this size some states may be missing; the 50,000-interaction demo has them all.
    assert "new" in states and {"resolved", "closed"} & set(states), states
    # The freshest tickets came through the real path, with notices for their managers.
    store_manager = get_user_model().objects.get(username="oxford-street")
    fresh = Ticket.objects.filter(assignees=store_manager, state="new")
    assert fresh.count() >= 2
    assert store_manager.deliveries.filter(event_type="ticket.opened").count() >= 2


def test_the_seed_stays_off_the_apps_hot_path():
    """A web process or worker loads every app, the URLs and every other command (the worker
    among them) without the demo's seed data: only the demo commands import it."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys, django; django.setup();"
        "import touchpoint.urls, touchpoint.wsgi;"
        "from django.core.management import get_commands, load_command_class;"
        "[load_command_class(app, name) for name, app in get_commands().items()"
        " if app != 'touchpoint.demo'];"
        "print(sorted(m for m in sys.modules if m.startswith('touchpoint.demo')))"
    )
    root = Path(__file__).resolve().parent.parent
    loaded = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env={"DJANGO_SETTINGS_MODULE": "touchpoint.settings", "DEBUG": "true", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "touchpoint.demo.seed" not in loaded, loaded
    assert "touchpoint.demo" in loaded  # the app itself is installed (its commands)


def test_the_demo_sets_targets_and_judges_last_weeks_alerts_once(demo):
    from touchpoint.alerts.models import AlertCheck
    from touchpoint.targets.models import Target

    assert set(Target.objects.filter(account=demo).values_list("kind", "nps")) == {
        ("store", 40),
        ("agent", 35),
    }
    assert AlertCheck.objects.filter(account=demo).count() == 1
    seed_demo(interactions=N)  # again: nothing judged twice
    assert AlertCheck.objects.filter(account=demo).count() == 1
