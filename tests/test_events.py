"""The events outbox: written with the change, relayed by the worker to its subscribers,
once per subscriber even when a worker dies, and a bad event holds up nobody else."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from tests.test_tickets import Receiver, respond
from touchpoint.events import actions as events
from touchpoint.events.models import Event
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.responses.models import Response

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between polls
def test_the_worker_relays_an_answer_to_the_webhooks_that_want_it(brand, receiver):
    endpoint = Endpoint.objects.create(
        account=brand.account, name="CRM", url=receiver.url, events=["response.*"]
    )
    receiver.secret = endpoint.secret
    response = respond(brand, 3, "Slow checkout")

    call_command("worker", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115

    [(_, body)] = receiver.received
    assert body["event_type"] == "response.created"
    assert body["data"]["response"]["id"] == response.pk
    assert body["data"]["response"]["comment"] == "Slow checkout"
    assert body["data"]["response"]["category"] == "detractor"
    assert body["data"]["response"]["unit"]["code"] == "store-012"
    assert Event.objects.get(type="response.created").state == "done"


def test_a_rolled_back_change_leaves_no_event_and_no_consequence(brand):
    with pytest.raises(RuntimeError), transaction.atomic():
        respond(brand, 2, "Rude")
        raise RuntimeError("the request failed after the answer")
    assert not Event.objects.exists()
    assert not Response.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(brand):
    event = events.new("response.created", account_id=brand.account.pk, subject_id=1)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.publish([event])


def test_a_relay_that_died_is_taken_again_and_queues_each_delivery_once(brand, receiver):
    Endpoint.objects.create(account=brand.account, name="CRM", url=receiver.url)
    respond(brand, 9, "Great")
    # A worker claimed the batch, queued its deliveries, then died before marking it done.
    Event.objects.update(state="relaying", claimed_by="dead", lease_expires_at=NOW)
    events._hand_over(list(Event.objects.all()))
    assert events.sweep() == 1
    assert events.relay() == 1
    assert Delivery.objects.filter(event_type="response.created").count() == 1


def test_a_failing_subscriber_holds_up_only_its_own_event(brand, monkeypatch):
    respond(brand, 9, "Great", n=1)
    respond(brand, 8, "Fine", n=2)
    bad = Response.objects.get(comment="Great").pk
    seen = []

    def picky(batch):
        if any(e.subject_id == bad for e in batch):
            raise ValueError("cannot handle this one")
        seen.extend(e.subject_id for e in batch)

    monkeypatch.setattr(events, "_relayed", [("response.created", picky)])
    assert events.relay() == 2
    states = dict(Event.objects.filter(type="response.created").values_list("subject_id", "state"))
    good = Response.objects.get(comment="Fine").pk
    assert seen == [good]
    assert states == {good: "done", bad: "pending"}
    failed = Event.objects.get(subject_id=bad, type="response.created")
    assert "cannot handle this one" in failed.last_error and failed.due_at > NOW
