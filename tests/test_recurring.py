"""Recurring relationship surveys: a segment surveyed every N months, spread evenly over the
period, through the ordinary intake rules (quarantine across all surveys), planned by the worker
exactly once per member and period."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise

import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import interaction
from touchpoint.intake import recurring
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.surveys.models import Invitation, RecurringMember, RecurringSurvey, Touchpoint

START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


@pytest.fixture
def relationship(brand):
    touchpoint = Touchpoint.objects.create(
        account=brand.account, slug="relationship", name="Relationship", kind="relationship"
    )
    return RecurringSurvey.objects.create(
        account=brand.account,
        name="Pro customers, quarterly",
        touchpoint=touchpoint,
        unit=brand.brand,
        segment={"plan": "pro"},
        every_months=3,
    )


def customers(brand, n: int, plan: str, start: int = 0):
    for i in range(start, start + n):
        brand.account.contacts.create(email=f"{plan}{i}@example.com", attributes={"plan": plan})


def test_add_months_keeps_the_wall_time_and_clamps_short_months():
    assert recurring.add_months(dt.datetime(2027, 1, 31, 9, tzinfo=dt.UTC), 1).day == 28
    assert recurring.add_months(START, 12) == START.replace(year=2028)


def test_a_segment_is_spread_evenly_over_the_period_and_surveyed_once(brand, relationship):
    customers(brand, 12, "pro")
    customers(brand, 3, "free")
    week_of = Counter()
    with time_machine.travel(START, tick=False) as clock:
        day = START
        while day < START + dt.timedelta(days=89):  # one quarter (90 days)
            clock.move_to(day)
            recurring.run_due()
            recurring.run_due()  # a second worker pass at the same moment does nothing
            day += dt.timedelta(hours=12)
    invitations = Invitation.objects.filter(touchpoint=relationship.touchpoint)
    assert invitations.count() == 12  # only the pro segment, each once in the period
    assert set(invitations.values_list("contact__attributes__plan", flat=True)) == {"pro"}
    for send_at in invitations.values_list("send_at", flat=True):
        week_of[(send_at - START).days // 7] += 1
    # 12 people over ~13 weeks: at most one or two a week, never one blast.
    assert max(week_of.values()) <= 2
    gaps = sorted(invitations.values_list("send_at", flat=True))
    steps = [(b - a).days for a, b in pairwise(gaps)]
    assert min(steps) >= 6 and max(steps) <= 9
    # Each member is due again one period after their own slot.
    member = RecurringMember.objects.order_by("next_survey_at").first()
    assert member.next_survey_at >= START + dt.timedelta(days=89)


def test_the_quarantine_holds_across_surveys(brand, relationship):
    customers(brand, 1, "pro")
    with time_machine.travel(START - dt.timedelta(days=20), tick=False):
        bought = InteractionIn.model_validate(
            interaction(
                brand,
                contact={"email": "pro0@example.com"},
                occurred_at=(START - dt.timedelta(days=20)).isoformat(),
            )
        )
        assert record_interactions(brand.account, [bought]).ok
    with time_machine.travel(START, tick=False):
        recurring.run_due()
    relationship_invitation = Invitation.objects.get(touchpoint=relationship.touchpoint)
    assert (relationship_invitation.state, relationship_invitation.reason) == (
        "suppressed",
        "quarantine",
    )


def test_a_due_member_is_claimed_by_exactly_one_worker(brand, relationship):
    customers(brand, 1, "pro")
    with time_machine.travel(START, tick=False):
        recurring.refresh_segment(relationship, now=START)
        member = RecurringMember.objects.select_related("survey").get()
        stale_copy = RecurringMember.objects.select_related("survey").get()
        assert recurring._claim_member(member) == START
        assert recurring._claim_member(stale_copy) is None


def test_the_worker_command_plans_recurring_surveys(transactional_db, brand, relationship):
    # transactional: the worker closes and reopens its database connection like in production
    customers(brand, 2, "pro")
    with time_machine.travel(START, tick=False):
        call_command("worker", once=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert RecurringMember.objects.count() == 2
    assert Invitation.objects.filter(touchpoint=relationship.touchpoint).count() == 1


def test_leaving_cancels_what_is_not_sent(brand, relationship):
    customers(brand, 1, "pro")
    relationship.touchpoint.delay = dt.timedelta(days=2)
    relationship.touchpoint.save()
    with time_machine.travel(START, tick=False):
        recurring.run_due()
        contact = brand.account.contacts.get()
        assert recurring.do_leave(survey=relationship, contact=contact)
    cancelled = Invitation.objects.get()
    assert (cancelled.state, cancelled.reason) == ("suppressed", "cancelled")
