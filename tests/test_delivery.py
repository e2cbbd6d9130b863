"""Sending invitations through a real SMTP server, and never losing or doubling one."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import socket
import threading

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection

from tests.conftest import Mailbox, interaction
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.outbox.models import Circuit
from touchpoint.outbox.transports import smtp_destination
from touchpoint.surveys import compose, delivery
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.tokens import survey_token

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def scheduled(brand, **overrides) -> Invitation:
    result = record_interactions(brand.account, [InteractionIn(**interaction(brand, **overrides))])
    assert result.ok, result.errors
    return result.items[0].invitation


def refreshed(invitation: Invitation) -> Invitation:
    invitation.refresh_from_db()
    return invitation


class DroppingServer:
    """An SMTP server that reads the whole message, then drops the connection before it
    answers: the sender cannot know whether the message was stored."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.bodies = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 dropping ready\r\n")
                for line in lines:
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        conn.sendall(b"354 go on\r\n")
                        for body_line in lines:
                            if body_line == b".\r\n":
                                break
                        self.bodies += 1
                        break  # the message is here; the answer never leaves
                    if verb == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    conn.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self.listener.close()


def test_the_email_asks_the_question_with_eleven_one_click_scores(brand, smtp):
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 1
    (message,) = smtp.messages
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == "How likely are you to recommend Nimbus Mobile?"
    assert "Nimbus Mobile" in message["From"]
    assert message["List-Unsubscribe"] == f"<http://testserver/u/{survey_token(invitation)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.startswith("Hello Ana,")
    assert "Thank you for your recent purchase at Lille Centre." in text
    for score in range(11):
        assert f"http://testserver/s/{survey_token(invitation)}?score={score}" in html
        assert f"{score}: http://testserver/s/{survey_token(invitation)}?score={score}" in text
    assert 'lang="en"' in html
    sent = refreshed(invitation)
    assert (sent.state, sent.attempts) == ("sent", 1)
    assert sent.expires_at == sent.sent_at + dt.timedelta(days=30)


def test_the_email_speaks_the_contacts_language(brand, smtp):
    scheduled(brand, contact={"email": "zoe@example.fr", "locale": "fr-FR", "name": "Zoé"})
    delivery.send_due_invitations()
    (message,) = smtp.messages
    assert message["Subject"] == "Recommanderiez-vous Nimbus Mobile ?"
    assert (
        "Merci pour votre achat récent à Lille Centre."
        in message.get_body(("plain",)).get_content()
    )
    assert message["Content-Language"] == "fr"


def test_a_touchpoint_can_override_the_wording(brand, smtp):
    brand.purchase.wording = {"en": {"subject": "{brand} at {unit}: how did we do?"}}
    brand.purchase.save()
    scheduled(brand)
    delivery.send_due_invitations()
    assert smtp.messages[0]["Subject"] == "Nimbus Mobile at Lille Centre: how did we do?"


def test_a_three_hour_smtp_outage_fails_no_invitation(brand, smtp_down, settings, clock):
    """While the mail server is down its invitations wait, spending none of their five
    attempts; one worker probes now and then (30 s, 1, 2, 4 … 10 min apart); once the
    server is back, every invitation goes out once."""
    invitations = [
        scheduled(brand, external_id=f"s-{n}", contact={"email": f"c{n}@example.com"})
        for n in range(5)
    ]
    start = dt.datetime.now(dt.UTC)
    probes = []
    while dt.datetime.now(dt.UTC) < start + dt.timedelta(hours=3):
        before = Circuit.objects.filter(destination=smtp_destination()).first()
        delivery.send_due_invitations()
        after = Circuit.objects.get(destination=smtp_destination())
        if before is None or after.failures != before.failures:
            probes.append(dt.datetime.now(dt.UTC))
        clock.shift(dt.timedelta(seconds=30))
    assert "cannot reach the mail server" in after.last_error
    gaps = [30 * round((b - a).total_seconds() / 30) for a, b in itertools.pairwise(probes)]
    assert gaps[:5] == [30, 60, 120, 240, 480] and max(gaps) == 600
    for invitation in invitations:
        current = refreshed(invitation)
        assert (current.state, current.attempts) == ("scheduled", 0)

    mailbox = Mailbox()  # the server is back, on the same address
    controller = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        clock.shift(dt.timedelta(minutes=10))
        assert delivery.send_due_invitations() == 5
    finally:
        controller.stop()
    assert len(mailbox.messages) == 5
    assert not Circuit.objects.exists()
    for invitation in invitations:
        current = refreshed(invitation)
        assert (current.state, current.attempts) == ("sent", 1)


def test_a_probe_that_the_server_answers_with_451_ends_the_outage(
    brand, smtp_down, settings, clock
):
    """The server is back but greylists the probe: it answered, so it is up. The circuit
    closes, the probe waits for its own retry, and the others go out in the same pass
    rather than after another probe interval."""
    for n in range(3):
        scheduled(brand, external_id=f"s-{n}", contact={"email": f"c{n}@example.com"})
    assert delivery.send_due_invitations() == 0
    assert Circuit.objects.filter(destination=smtp_destination()).exists()

    mailbox = Mailbox(refuse=1)  # back on the same address, with a 451 for the first message
    controller = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        clock.shift(dt.timedelta(seconds=31))
        assert delivery.send_due_invitations() == 2
    finally:
        controller.stop()
    assert not Circuit.objects.exists()
    states = sorted(Invitation.objects.values_list("state", "attempts"))
    assert states == [("scheduled", 1), ("sent", 1), ("sent", 1)]


def test_an_smtp_server_that_drops_the_connection_after_the_message_is_not_sent_twice(
    brand, settings, clock
):
    """The server took the whole message, then the connection broke before its answer: the
    message may be stored there, so the invitation fails with that reason, never resent."""
    server = DroppingServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_TIMEOUT = 5
    try:
        invitation = scheduled(brand)
        assert delivery.send_due_invitations() == 0
        current = refreshed(invitation)
        assert (current.state, current.reason) == ("failed", "handoff_interrupted")
        assert "after the message was handed over" in current.detail
        clock.shift(dt.timedelta(hours=1))
        delivery.sweep()
        assert delivery.send_due_invitations() == 0
        assert server.bodies == 1
    finally:
        server.close()


def test_a_temporary_refusal_is_retried_and_sent_once(brand, smtp, clock):
    smtp.refuse = 1  # the server answers 451 once
    invitation = scheduled(brand)
    assert delivery.send_due_invitations() == 0
    assert refreshed(invitation).state == "scheduled"
    assert "451" in invitation.detail
    clock.shift(dt.timedelta(minutes=2))
    assert delivery.send_due_invitations() == 1
    assert len(smtp.messages) == 1
    assert (refreshed(invitation).state, invitation.attempts) == ("sent", 2)


def test_a_worker_that_dies_after_claiming_loses_nothing(brand, smtp, clock):
    invitation = scheduled(brand)
    assert delivery.claim(invitation.pk) is not None  # ...and the worker is killed here
    assert delivery.send_due_invitations() == 0  # nobody else may take it while leased
    delivery.sweep()
    assert refreshed(invitation).state == "sending"
    clock.shift(delivery.LEASE + dt.timedelta(seconds=1))
    assert delivery.sweep()["reclaimed"] == 1
    assert delivery.send_due_invitations() == 1
    assert len(smtp.messages) == 1
    assert refreshed(invitation).state == "sent"


def test_workers_that_die_before_the_hand_off_spend_none_of_its_attempts(brand, smtp, clock):
    """Five workers in a row claimed the invitation and were killed before sending it (a
    crash loop, a deploy): the mail server never saw it, so its five attempts are all still
    there, and one temporary refusal afterwards is retried, not final."""
    invitation = scheduled(brand)
    for _ in range(delivery.MAX_ATTEMPTS):
        assert delivery.claim(invitation.pk) is not None  # ...and that worker is killed
        clock.shift(delivery.LEASE + dt.timedelta(seconds=1))
        assert delivery.sweep()["reclaimed"] == 1
    assert (refreshed(invitation).state, invitation.attempts) == ("scheduled", 0)

    smtp.refuse = 1  # greylisted once
    assert delivery.send_due_invitations() == 0
    assert (refreshed(invitation).state, invitation.attempts) == ("scheduled", 1)
    clock.shift(dt.timedelta(minutes=2))
    assert delivery.send_due_invitations() == 1
    assert (refreshed(invitation).state, invitation.attempts) == ("sent", 2)
    assert len(smtp.messages) == 1


def test_a_worker_that_dies_during_the_smtp_hand_off_never_sends_twice(brand, smtp, clock):
    invitation = scheduled(brand)
    claimed = delivery.claim(invitation.pk)
    delivery._mark_handoff(claimed)  # the message was on its way when the worker died
    clock.shift(delivery.LEASE + dt.timedelta(seconds=1))
    assert delivery.sweep()["interrupted"] == 1
    assert delivery.send_due_invitations() == 0
    assert smtp.messages == []
    current = refreshed(invitation)
    assert (current.state, current.reason) == ("failed", "handoff_interrupted")
    assert "not sent again" in current.detail


def test_two_workers_racing_for_an_invitation_send_it_once(brand, smtp):
    invitation = scheduled(brand)
    assert delivery.claim(invitation.pk) is not None
    assert delivery.claim(invitation.pk) is None
    assert delivery.deliver(invitation.pk) is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_invitation_exactly_once(brand, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    items = [
        InteractionIn(
            **interaction(brand, external_id=f"s-{i}", contact={"email": f"c{i}@example.com"})
        )
        for i in range(40)
    ]
    assert record_interactions(brand.account, items).ok
    start = threading.Barrier(4)
    sent = []

    def work():
        from django.db import connections

        start.wait()
        sent.append(delivery.send_due_invitations())
        connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 40
    recipients = [m["To"] for m in smtp.messages]
    assert sorted(recipients) == sorted({f"c{i}@example.com" for i in range(40)})


def test_an_invitation_past_its_expiry_is_not_sent(brand, smtp, clock):
    invitation = scheduled(brand)
    clock.shift(dt.timedelta(days=31))
    assert delivery.sweep()["expired_unsent"] == 1
    assert delivery.send_due_invitations() == 0
    assert (refreshed(invitation).state, invitation.reason) == ("expired", "stale")


def test_an_unanswered_invitation_expires(brand, smtp, clock):
    invitation = scheduled(brand)
    delivery.send_due_invitations()
    clock.shift(dt.timedelta(days=30, minutes=1))
    assert delivery.sweep()["expired_unanswered"] == 1
    assert (refreshed(invitation).state, invitation.reason) == ("expired", "not_answered")


def test_opting_out_after_scheduling_stops_the_send(brand, smtp):
    invitation = scheduled(brand)
    contact = invitation.contact
    contact.email_opted_out_at = NOW
    contact.save()
    assert delivery.send_due_invitations() == 0
    assert (refreshed(invitation).state, invitation.reason) == ("suppressed", "opted_out")


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between polls
def test_the_worker_command_sends_due_invitations(brand, smtp):
    scheduled(brand)
    call_command("worker", "--once")
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_intake_queues_a_send_task_for_invitations_due_now(brand, smtp):
    from django_tasks_db.models import DBTaskResult

    scheduled(brand)
    task = DBTaskResult.objects.get()
    assert task.task_path == "touchpoint.surveys.tasks.send_due_invitations"
    call_command("worker", "--once")  # the worker runs queued tasks too
    assert len(smtp.messages) == 1
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"


def test_message_ids_are_stable_across_attempts(brand, smtp):
    invitation = scheduled(brand)
    first = compose.compose_email(refreshed(invitation)).message()["Message-ID"]
    assert first == compose.compose_email(invitation).message()["Message-ID"]
    assert re.match(r"<invitation-\d+\.[\w-]{12}@", first)


def test_one_sending_pass_uses_one_smtp_connection(brand, smtp):
    items = [
        InteractionIn(**interaction(brand, external_id=f"s-{i}", contact={"email": f"c{i}@x.org"}))
        for i in range(5)
    ]
    assert record_interactions(brand.account, items).ok
    assert delivery.send_due_invitations() == 5
    assert len(smtp.messages) == 5 and len(smtp.connections) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_prunes_task_results_older_than_two_weeks(brand, clock):
    from django_tasks_db.models import DBTaskResult

    from touchpoint.surveys.tasks import sweep_invitations

    old, recent = sweep_invitations.enqueue(), sweep_invitations.enqueue()
    DBTaskResult.objects.filter(pk=old.id).update(
        status="SUCCESSFUL", finished_at=NOW - dt.timedelta(days=15)
    )
    DBTaskResult.objects.filter(pk=recent.id).update(
        status="SUCCESSFUL", finished_at=NOW - dt.timedelta(days=2)
    )
    call_command("worker", "--once")
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [recent.id]
