"""When a survey goes out: delays, quiet hours in the contact's time zone, quarantine,
opt-outs, sampling, staleness. Time moves with time-machine, never with sleep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.conftest import interaction
from touchpoint.contacts.actions import do_opt_out
from touchpoint.contacts.models import Contact
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.surveys import delivery
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.rules import plan_send_at

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def intake(brand, **overrides) -> Invitation:
    result = record_interactions(brand.account, [InteractionIn(**interaction(brand, **overrides))])
    assert result.ok, result.errors
    return result.items[0].invitation


def test_repair_survey_waits_48_hours_and_skips_the_night(brand, smtp):
    # Repair finished on a Tuesday at 20:30 in Paris: +48 h is Thursday 20:30, before the
    # 21:00 quiet hours, so it goes out then. One finished at 22:00 waits until 08:00.
    with time_machine.travel(dt.datetime(2026, 11, 17, 21, 5, tzinfo=UTC), tick=True):
        early = intake(
            brand,
            external_id="r-1",
            touchpoint="repair",
            unit="repair-3",
            occurred_at="2026-11-17T20:30:00+01:00",
            contact={"email": "a@example.com", "time_zone": "Europe/Paris"},
        )
        late = intake(
            brand,
            external_id="r-2",
            touchpoint="repair",
            unit="repair-3",
            occurred_at="2026-11-17T22:00:00+01:00",
            contact={"email": "b@example.com", "time_zone": "Europe/Paris"},
        )
        assert early.send_at == dt.datetime(2026, 11, 19, 19, 30, tzinfo=UTC)
        assert late.send_at == dt.datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # 08:00 Paris
        assert delivery.send_due_invitations() == 0
    with time_machine.travel(dt.datetime(2026, 11, 19, 19, 29, tzinfo=UTC), tick=True):
        assert delivery.send_due_invitations() == 0
    with time_machine.travel(dt.datetime(2026, 11, 19, 19, 31, tzinfo=UTC), tick=True):
        assert delivery.send_due_invitations() == 1
        assert [m["To"] for m in smtp.messages] == ["a@example.com"]
    with time_machine.travel(dt.datetime(2026, 11, 20, 6, 59, tzinfo=UTC), tick=True):
        assert delivery.send_due_invitations() == 0
    with time_machine.travel(dt.datetime(2026, 11, 20, 7, 1, tzinfo=UTC), tick=True):
        assert delivery.send_due_invitations() == 1
    assert len(smtp.messages) == 2


def test_quiet_hours_follow_the_contacts_time_zone_not_the_servers():
    # 23:00 UTC is 18:00 in New York (not quiet) but 08:00 next day in Tokyo (just awake).
    at = dt.datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    args = {
        "occurred_at": at,
        "delay": dt.timedelta(0),
        "quiet_start": dt.time(21),
        "quiet_end": dt.time(9),
    }
    assert plan_send_at(time_zone="America/New_York", **args) == at
    assert plan_send_at(time_zone="Asia/Tokyo", **args) == dt.datetime(2026, 6, 2, 0, 0, tzinfo=UTC)
    # A daytime window (12:00-14:00, no lunch-time surveys) does not wrap midnight.
    lunch = {**args, "quiet_start": dt.time(12), "quiet_end": dt.time(14)}
    noon = dt.datetime(2026, 6, 1, 10, 30, tzinfo=UTC)  # 12:30 in Paris (summer time)
    assert plan_send_at(time_zone="Europe/Paris", **{**lunch, "occurred_at": noon}) == (
        dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    )


def test_quiet_hours_across_a_dst_change_end_at_local_eight():
    # The night of 28-29 March 2026 loses an hour in Paris: 08:00 is then UTC+2.
    at = dt.datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
    sent = plan_send_at(
        occurred_at=at,
        delay=dt.timedelta(0),
        time_zone="Europe/Paris",
        quiet_start=dt.time(21),
        quiet_end=dt.time(8),
    )
    assert sent == dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


@time_machine.travel("2026-11-20T10:05:00+01:00", tick=True)
def test_a_contact_is_not_surveyed_twice_inside_the_quarantine(brand):
    first = intake(brand, external_id="a")
    second = intake(brand, external_id="b", touchpoint="support-call", unit="agent-431")
    assert first.state == "scheduled"
    assert (second.state, second.reason) == ("suppressed", "quarantine")
    assert "90-day quarantine" in second.detail


def test_quarantine_ends_after_the_window_and_a_touchpoint_can_shorten_it(brand):
    with time_machine.travel("2026-06-01T10:05:00+00:00", tick=True):
        intake(brand, external_id="a", occurred_at="2026-06-01T10:00:00Z")
    with time_machine.travel("2026-08-01T10:05:00+00:00", tick=True):
        assert intake(brand, external_id="b", occurred_at="2026-08-01T10:00:00Z").reason == (
            "quarantine"
        )
        brand.purchase.quarantine_days = 30
        brand.purchase.save()
        assert intake(brand, external_id="c", occurred_at="2026-08-01T10:00:00Z").state == (
            "scheduled"
        )


@time_machine.travel("2026-11-20T10:05:00+01:00", tick=True)
def test_an_opted_out_contact_is_never_surveyed_and_pending_invitations_are_cancelled(brand):
    pending = intake(brand, external_id="a")
    do_opt_out(contact=pending.contact)
    pending.refresh_from_db()
    assert (pending.state, pending.reason) == ("suppressed", "opted_out")
    later = intake(brand, external_id="b", occurred_at="2026-11-20T10:01:00+01:00")
    assert (later.state, later.reason) == ("suppressed", "opted_out")


@time_machine.travel("2026-11-20T10:05:00+01:00", tick=True)
def test_email_channel_without_an_email_is_suppressed_with_the_reason(brand):
    invitation = intake(brand, contact={"phone": "+33 6 12 34 56 78"})
    assert (invitation.state, invitation.reason) == ("suppressed", "no_address")
    assert Contact.objects.get().phone == "+33612345678"


@time_machine.travel("2026-11-20T10:05:00+01:00", tick=True)
def test_an_interaction_older_than_the_expiry_is_not_surveyed(brand):
    invitation = intake(brand, occurred_at="2026-09-01T10:00:00Z")
    assert (invitation.state, invitation.reason) == ("suppressed", "stale")


@time_machine.travel("2026-11-20T10:05:00+01:00", tick=True)
def test_sampling_surveys_about_the_chosen_share_and_always_the_same_ones(brand):
    brand.purchase.sampling_rate = Decimal("0.25")
    brand.purchase.quarantine_days = 0
    brand.purchase.save()
    items = [
        InteractionIn(
            **interaction(brand, external_id=f"s-{i}", contact={"email": f"c{i}@example.com"})
        )
        for i in range(800)
    ]
    result = record_interactions(brand.account, items)
    chosen = [r.invitation.state == "scheduled" for r in result.items]
    assert 160 <= sum(chosen) <= 240
    reasons = {r.invitation.reason for r in result.items if r.invitation.state == "suppressed"}
    assert reasons == {"sampled_out"}


@time_machine.travel("2026-11-20T10:05:00+01:00", tick=True)
def test_an_inactive_touchpoint_records_interactions_but_sends_nothing(brand):
    brand.purchase.is_active = False
    brand.purchase.save()
    invitation = intake(brand)
    assert (invitation.state, invitation.reason) == ("suppressed", "touchpoint_inactive")
