"""The worker: one pass takes an answer from the door to everything that follows it."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.core.management import call_command

from tests.test_tickets import Receiver, respond
from touchpoint.analysis.models import CommentAnalysis, ThemeMention
from touchpoint.analysis.starter import do_create_starter_taxonomy
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.worker import schedule

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes its connection
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


def quietly_run_worker() -> None:
    call_command("worker", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_one_pass_sends_the_webhook_and_analyses_the_comment(brand, receiver):
    do_create_starter_taxonomy(brand.account)
    endpoint = Endpoint.objects.create(
        account=brand.account, name="CRM", url=receiver.url, events=["response.created"]
    )
    receiver.secret = endpoint.secret
    response = respond(brand, 3, "I was charged twice and nobody called me back")

    quietly_run_worker()

    [(_, body)] = receiver.received
    assert body["data"]["response"]["id"] == response.pk
    analysis = CommentAnalysis.objects.get(response=response)
    assert (analysis.state, analysis.sentiment) == ("done", "negative")
    keys = set(ThemeMention.objects.filter(response=response).values_list("theme__key", flat=True))
    assert {"billing", "callback"} <= keys


def test_a_failing_step_is_logged_and_the_others_still_run(brand, receiver, monkeypatch, caplog):
    Endpoint.objects.create(account=brand.account, name="CRM", url=receiver.url)
    respond(brand, 9, "Great")

    def broken():
        raise RuntimeError("the ticket sweep broke")

    real = schedule.steps

    def with_a_broken_step(**kwargs):
        steps = real(**kwargs)
        steps.insert(0, schedule.Step("broken", broken, 0))
        return steps

    monkeypatch.setattr("touchpoint.worker.management.commands.worker.steps", with_a_broken_step)
    with caplog.at_level(logging.ERROR, logger="touchpoint.worker"):
        quietly_run_worker()
    assert "worker step 'broken' failed" in caplog.text
    assert Delivery.objects.get(event_type="response.created").state == "sent"


def test_a_pass_says_whether_to_wait_a_poll_a_moment_or_not_at_all():
    """Nothing done: the worker waits its poll interval. Some work, all done: a moment
    (GATHER), so a trickle of answers is relayed and folded in batches. A whole batch done:
    more is waiting, so the next pass follows at once."""
    given: list[int] = []

    def step(*, limit: int) -> int:
        assert limit == 50
        return given.pop()

    def plan() -> list[schedule.Step]:
        return [
            schedule.Step("quiet", lambda: 7, 0),  # not a busy step: its result is not work
            schedule.Step("sending", step, 0, busy=True, batch=50),
            schedule.Step("folding", step, 0, busy=True, batch=50),
        ]

    given[:] = [0, 0]
    assert schedule.run_pass(plan()) is schedule.Pass.IDLE
    given[:] = [0, 3]
    assert schedule.run_pass(plan()) is schedule.Pass.WORKED
    given[:] = [3, 50]
    assert schedule.run_pass(plan()) is schedule.Pass.BACKLOG
    given[:] = [50, 0]
    assert schedule.run_pass(plan()) is schedule.Pass.BACKLOG
    assert 0 < schedule.GATHER < 1
