"""Reminders: to people who have not answered, D days apart, at most N, out of quiet hours,
before the expiry, on the same channel, and never after an answer or an opt-out."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections

from tests.conftest import interaction
from touchpoint.contacts.actions import do_opt_out
from touchpoint.events import actions as events
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.outbox import engine
from touchpoint.outbox.circuits import Circuits
from touchpoint.outbox.transports import Transports
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.surveys import delivery, reminders
from touchpoint.surveys.models import Invitation, Reminder
from touchpoint.surveys.tokens import survey_token

pytestmark = pytest.mark.django_db
# Friday 20 November 2026, 10:00 in Paris (the brand's time zone).
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reminding(brand):
    """Store purchases get two reminders, three days apart; no surveys 21:00-08:00."""
    brand.purchase.reminder_count, brand.purchase.reminder_after_days = 2, 3
    brand.purchase.quiet_hours_start, brand.purchase.quiet_hours_end = dt.time(21), dt.time(8)
    brand.purchase.save()
    return brand


def sent_invitation(brand, n: int = 1, **contact) -> Invitation:
    payload = interaction(
        brand,
        external_id=f"sale-{n}",
        occurred_at=NOW.isoformat(),
        contact={"email": f"c{n}@example.com", **contact},
    )
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.errors
    assert delivery.send_due_invitations() >= 1
    invitation = result.items[0].invitation
    invitation.refresh_from_db()
    assert invitation.state == "sent"
    return invitation


def subjects(smtp) -> list[str]:
    return [m["Subject"] for m in smtp.messages]


def test_two_reminders_three_days_apart_then_none(reminding, smtp, clock):
    invitation = sent_invitation(reminding)
    planned = list(invitation.reminders.order_by("number"))
    assert [r.send_at for r in planned] == [
        NOW + dt.timedelta(days=3),
        NOW + dt.timedelta(days=6),
    ]
    assert reminders.send_due_reminders() == 0  # not due yet
    clock.move_to(NOW + dt.timedelta(days=3, minutes=1))
    assert reminders.send_due_reminders() == 1
    assert reminders.send_due_reminders() == 0  # once
    clock.move_to(NOW + dt.timedelta(days=6, minutes=1))
    assert reminders.send_due_reminders() == 1
    clock.move_to(NOW + dt.timedelta(days=20))
    assert reminders.send_due_reminders() == 0
    assert subjects(smtp) == [
        "How likely are you to recommend Nimbus Mobile?",
        "A reminder: how likely are you to recommend Nimbus Mobile?",
        "A reminder: how likely are you to recommend Nimbus Mobile?",
    ]
    first, second = smtp.messages[1], smtp.messages[2]
    assert first["Message-ID"] != second["Message-ID"] != smtp.messages[0]["Message-ID"]
    body = first.get_body(("plain",)).get_content()
    assert "We would still love to hear from you" in body
    assert f"/s/{survey_token(invitation)}" in body  # the same survey, the same link


def test_a_reminder_waits_for_the_end_of_the_quiet_hours(reminding, smtp):
    # Sent on Friday at 22:30 in Paris (quiet from 21:00): due three days later, at 08:00.
    with time_machine.travel(dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC), tick=False):
        reminding.purchase.quiet_hours_start = None
        reminding.purchase.save()
        invitation = sent_invitation(reminding)
    reminding.purchase.quiet_hours_start = dt.time(21)
    reminding.purchase.save()
    Reminder.objects.all().delete()
    invitation.refresh_from_db()
    planned = reminders.plan_reminders(invitation)
    assert planned[0].send_at == dt.datetime(2026, 11, 24, 7, tzinfo=dt.UTC)  # 08:00 Paris


def test_no_reminder_after_an_answer(reminding, smtp, clock):
    invitation = sent_invitation(reminding)
    clock.move_to(NOW + dt.timedelta(days=1))
    do_answer_invitation(invitation, score=9)
    # The worker relays the answer and cancels the waiting reminders, in one statement.
    assert events.relay() >= 1
    assert set(invitation.reminders.values_list("state", flat=True)) == {"cancelled"}
    assert set(invitation.reminders.values_list("detail", flat=True)) == {"answered"}
    clock.move_to(NOW + dt.timedelta(days=10))
    assert reminders.send_due_reminders() == 0
    assert len(smtp.messages) == 1


def test_no_reminder_after_an_answer_the_worker_has_not_relayed_yet(reminding, smtp, clock):
    """The answer's own transaction leaves the reminders waiting (off its hot path); the
    sending finds the invitation answered and stops each one."""
    invitation = sent_invitation(reminding)
    clock.move_to(NOW + dt.timedelta(days=1))
    do_answer_invitation(invitation, score=9)
    assert set(invitation.reminders.values_list("state", flat=True)) == {"pending"}
    clock.move_to(NOW + dt.timedelta(days=10))
    assert reminders.send_due_reminders() == 0
    assert len(smtp.messages) == 1
    assert set(invitation.reminders.values_list("state", flat=True)) == {"cancelled"}
    assert all(
        d.startswith("answered") for d in invitation.reminders.values_list("detail", flat=True)
    )


def test_an_answer_that_arrives_while_the_reminder_is_being_sent_stops_it(reminding, smtp, clock):
    """The reminder was claimed (composing), then the answer came in: the hand-off sees
    the answer under the invitation's lock and the reminder never goes."""
    invitation = sent_invitation(reminding)
    clock.move_to(NOW + dt.timedelta(days=3, minutes=1))
    [claimed] = engine.claim(reminders.QUEUE, [invitation.reminders.get(number=1).pk])
    do_answer_invitation(invitation, score=3, comment="Late but here")
    with Transports() as transports:
        sent = engine.deliver(
            reminders.QUEUE, claimed, transports=transports, circuits=Circuits({})
        )
    assert not sent
    claimed.refresh_from_db()
    assert (claimed.state, claimed.detail) == ("cancelled", "answered (at the last moment)")
    assert len(smtp.messages) == 1


def test_no_reminder_after_the_expiry(reminding, smtp, clock):
    reminding.purchase.expiry_days = 4
    reminding.purchase.save()
    invitation = sent_invitation(reminding)
    assert [r.number for r in invitation.reminders.all()] == [1]  # day 6 is past the expiry
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=NOW + dt.timedelta(days=2))
    clock.move_to(NOW + dt.timedelta(days=3, minutes=1))
    assert reminders.send_due_reminders() == 0
    assert invitation.reminders.get().detail == "the survey is closed"


def test_an_opt_out_cancels_the_reminders(reminding, smtp, clock):
    invitation = sent_invitation(reminding)
    do_opt_out(contact=invitation.contact, channel="email")
    assert set(invitation.reminders.values_list("state", flat=True)) == {"cancelled"}
    clock.move_to(NOW + dt.timedelta(days=7))
    assert reminders.send_due_reminders() == 0


def test_a_touchpoint_without_reminders_plans_none(brand, smtp, clock):
    assert not sent_invitation(brand).reminders.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_reminder(reminding, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    with time_machine.travel(NOW, tick=False):
        for n in range(10):
            sent_invitation(reminding, n)
    start = threading.Barrier(2)
    sent = []

    def work():
        start.wait()
        sent.append(reminders.send_due_reminders())
        connections.close_all()

    with time_machine.travel(NOW + dt.timedelta(days=3, minutes=1), tick=False):
        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(sent) == 10
    assert len(smtp.messages) == 20  # ten invitations, ten first reminders


def test_the_answer_rate_with_and_without_reminders(reminding, smtp, clock):
    early, late, never = (sent_invitation(reminding, n) for n in (1, 2, 3))
    do_answer_invitation(early, score=9)
    clock.move_to(NOW + dt.timedelta(days=3, minutes=1))
    assert reminders.send_due_reminders() == 2
    clock.move_to(NOW + dt.timedelta(days=4))
    do_answer_invitation(late, score=8)
    rates = reminders.answer_rates([reminding.purchase], since=NOW - dt.timedelta(days=1))
    figures = rates[reminding.purchase.pk]
    assert (figures["invited"], figures["answered"]) == (3, 2)
    assert round(figures["without_reminders"]) == 33 and round(figures["with_reminders"]) == 67
    del never
