"""Mailchimp with its official client: each answer tags the audience member with their NPS
category and writes the last score to a merge field; the audience is imported page by page
as members of a recurring survey. Against a local imitation of the Marketing API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

from tests.fake_vendors import (
    AUDIENCE,
    MAILCHIMP_KEY,
    MailchimpState,
    mailchimp,
    mailchimp_member,
    serve,
)
from tests.test_tickets import respond
from touchpoint.accounts.models import Membership
from touchpoint.connectors import audience, delivery
from touchpoint.connectors.models import ConnectorCall
from touchpoint.events import actions as events
from touchpoint.notifications.models import Delivery
from touchpoint.outbox.models import Circuit
from touchpoint.responses.actions import do_change_answer
from touchpoint.setup.audit import SetupError
from touchpoint.setup.connectors import do_import_audience, do_save_connector, do_test_connector
from touchpoint.surveys.models import RecurringMember, RecurringSurvey

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chimp():
    state = MailchimpState(members=dict([mailchimp_member("customer1@example.com", FNAME="Ana")]))
    fake, stop = serve(mailchimp(state))
    fake.state = state
    yield fake
    stop()


@pytest.fixture
def admin(brand):
    user = get_user_model().objects.create_user("cx-lead", "cx-lead@example.com", "pw")
    Membership.objects.create(user=user, unit=brand.brand, role="admin")
    return user


@pytest.fixture
def connector(brand, admin, chimp):
    return do_save_connector(
        account=brand.account,
        by=admin,
        kind="mailchimp",
        values={
            "base_url": chimp.url,
            "settings": {"audience": AUDIENCE},
            "credentials": {"api_key": MAILCHIMP_KEY},
        },
    )


def member(chimp, email: str = "customer1@example.com") -> dict:
    return chimp.state.members[mailchimp_member(email)[0]]


def test_an_answer_tags_the_member_and_writes_the_score_and_a_change_swaps_the_tag(
    brand, connector, chimp, clock
):
    response = respond(brand, 10, "Love it")
    events.relay()
    assert delivery.send_due_calls() == 1
    assert member(chimp)["tags"] == {"promoter"}
    assert member(chimp)["merge_fields"] == {"FNAME": "Ana", "NPS": 10}
    [tags] = chimp.calls("POST", r"/3.0/lists/\w+/members/\w+/tags")
    assert {t["name"]: t["status"] for t in tags.json["tags"]} == {
        "promoter": "active",
        "passive": "inactive",
        "detractor": "inactive",
    }

    do_change_answer(response, score=3)
    events.relay()
    delivery.send_due_calls()
    assert member(chimp)["tags"] == {"detractor"} and member(chimp)["merge_fields"]["NPS"] == 3


def test_a_contact_outside_the_audience_is_never_added(brand, connector, chimp, clock):
    respond(brand, 9, "", n=2)
    events.relay()
    delivery.send_due_calls()
    call = ConnectorCall.objects.get()
    assert (call.state, call.result) == ("sent", {"skipped": "not a member of the audience"})
    assert not chimp.calls("POST", r".*/tags") and len(chimp.state.members) == 1


def test_an_outage_a_429_and_a_revoked_key(brand, connector, chimp, clock):
    respond(brand, 7, "")
    events.relay()
    chimp.replies = [(503, {"title": "Service Unavailable", "status": 503})]
    delivery.send_due_calls()
    assert Circuit.objects.exists()
    clock.shift(dt.timedelta(seconds=31))
    chimp.replies = [(429, {"title": "Too Many Requests", "status": 429}, {"Retry-After": "30"})]
    delivery.send_due_calls()
    assert Circuit.objects.get().retry_at == START + dt.timedelta(seconds=61)
    clock.shift(dt.timedelta(seconds=30))
    chimp.state.key = "revoked-us21"
    delivery.send_due_calls()
    connector.refresh_from_db()
    assert connector.disabled_at is not None
    assert Delivery.objects.filter(event_type="connector.disabled").count() == 1
    chimp.state.key = MAILCHIMP_KEY
    assert do_test_connector(by=None, connector=connector).ok
    clock.shift(dt.timedelta(minutes=2))
    assert delivery.send_due_calls() == 1
    assert member(chimp)["tags"] == {"passive"}


def test_the_audience_is_imported_page_by_page_as_members_of_a_recurring_survey(
    brand, connector, chimp, admin, clock, monkeypatch
):
    chimp.state.members.update(
        dict(
            [
                mailchimp_member("bo@example.com", FNAME="Bo", LNAME="Berg"),
                mailchimp_member("gone@example.com", status="unsubscribed"),
                mailchimp_member("cy@example.com"),
            ]
        )
    )
    survey = RecurringSurvey.objects.create(
        account=brand.account,
        name="Newsletter readers",
        touchpoint=brand.purchase,
        unit=brand.brand,
        audience="members",
        every_months=6,
    )
    with pytest.raises(SetupError):
        do_import_audience(by=admin, connector=connector)  # no survey chosen yet
    connector = do_save_connector(
        account=brand.account,
        by=admin,
        kind="mailchimp",
        values={"settings": {"import_survey": survey.pk}},
    )
    monkeypatch.setattr(audience, "PAGE", 2)

    do_import_audience(by=admin, connector=connector)
    while delivery.send_due_calls():
        pass

    members = RecurringMember.objects.filter(survey=survey).select_related("contact")
    assert sorted(m.contact.email for m in members) == [
        "bo@example.com",
        "customer1@example.com",
        "cy@example.com",
    ]
    assert next(m.contact.name for m in members if m.contact.email == "bo@example.com") == "Bo Berg"
    pages = ConnectorCall.objects.filter(operation="mailchimp.import").order_by("pk")
    assert [p.result for p in pages] == [{"members": 2, "total": 3}, {"members": 1, "total": 3}]
    assert "bo@example.com" not in str([p.result for p in pages])  # the log keeps no people

    do_import_audience(by=admin, connector=connector)  # again: nobody twice
    while delivery.send_due_calls():
        pass
    assert RecurringMember.objects.filter(survey=survey).count() == 3
