"""Phone interviews: a queue of due phone invitations, one interviewer per call, outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import interaction
from touchpoint.accounts.models import Membership
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.interviews import actions
from touchpoint.interviews.models import Call
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Invitation, Touchpoint

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def phone_survey(brand) -> Touchpoint:
    return Touchpoint.objects.create(
        account=brand.account,
        slug="store-purchase-phone",
        name="Store purchase (phone)",
        kind="store_purchase",
        channel="phone",
        quiet_hours_start=dt.time(20),
        quiet_hours_end=dt.time(9),
    )


def due_call(
    brand, n: int = 1, unit: str = "store-012", external_id: str = "", **contact
) -> Invitation:
    payload = interaction(
        brand,
        external_id=external_id or f"sale-{n}-{unit}",
        touchpoint="store-purchase-phone",
        unit=unit,
        contact={"phone": f"+3361234567{n}", "name": f"Customer {n}", **contact},
    )
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.errors
    return result.items[0].invitation


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refreshed(invitation: Invitation) -> Invitation:
    invitation.refresh_from_db()
    return invitation


def test_a_phone_invitation_waits_in_the_queue_of_the_units_interviewers(
    brand, people, phone_survey
):
    invitation = due_call(brand)
    assert (invitation.state, invitation.channel) == ("sent", "phone")
    page = signed_in(people["north_manager"]).get("/interviews/")
    assert page.status_code == 200
    assert page.context["due"] == 1
    # Another region's store manager and another account see nothing of it.
    assert signed_in(people["south_store_manager"]).get("/interviews/").context["due"] == 0
    assert signed_in(people["outsider"]).get("/interviews/").context["due"] == 0


def test_the_interviewer_records_the_answer_on_the_customers_behalf(brand, people, phone_survey):
    invitation = due_call(brand, name="Ana Lopez")
    client = signed_in(people["north_manager"])
    taken = client.post("/interviews/next")
    assert taken.status_code == 302 and taken["Location"] == f"/interviews/{invitation.pk}/"
    page = client.get(taken["Location"]).content.decode()
    assert "Ana Lopez" in page and "+33612345671" in page
    assert "How likely are you to recommend Nimbus Mobile to a friend or colleague?" in page
    assert "Thank you for your recent purchase at Lille Centre." in page
    done = client.post(
        taken["Location"],
        {"outcome": "answered", "score": "8", "comment": "Good, but the queue was long"},
    )
    assert done.status_code == 302 and done["Location"] == "/interviews/"
    response = Response.objects.get()
    assert (response.score, response.comment) == (8, "Good, but the queue was long")
    assert (response.channel, response.interviewer) == ("phone", people["north_manager"])
    assert response.attribution["store"]["code"] == "store-012"
    current = refreshed(invitation)
    assert (current.state, current.held_by, current.attempts) == ("answered", None, 1)
    assert Call.objects.get().outcome == "answered"


def test_two_interviewers_never_get_the_same_call(brand, people, phone_survey, clock):
    first, second = due_call(brand, 1), due_call(brand, 2)
    got_a = actions.do_claim_next_call(people["north_manager"])
    got_b = actions.do_claim_next_call(people["brand_admin"])
    assert {got_a.pk, got_b.pk} == {first.pk, second.pk}
    assert actions.do_claim_next_call(people["brand_admin"]).pk == got_b.pk  # still theirs
    third = actions.do_claim_next_call(
        get_user_model().objects.create_user("night-shift", password="pw")
    )
    assert third is None


def test_an_abandoned_call_goes_back_to_the_queue_after_its_lease(
    brand, people, phone_survey, clock
):
    invitation = due_call(brand)
    assert actions.do_claim_next_call(people["north_manager"]).pk == invitation.pk
    assert actions.do_claim_next_call(people["brand_admin"]) is None
    clock.shift(actions.CALL_LEASE + dt.timedelta(seconds=1))
    assert actions.do_claim_next_call(people["brand_admin"]).pk == invitation.pk
    # The first interviewer comes back too late: the call is not theirs any more.
    with pytest.raises(actions.CallError):
        actions.do_record_interview(
            invitation=invitation, interviewer=people["north_manager"], score=9
        )
    page = signed_in(people["north_manager"]).get(f"/interviews/{invitation.pk}/")
    assert page.status_code == 302
    assert Response.objects.count() == 0


def test_no_answer_is_tried_again_later_then_marked_unreachable(brand, people, phone_survey, clock):
    invitation = due_call(brand, time_zone="Europe/Paris")
    interviewer = people["north_manager"]
    waits = []
    for call in range(1, actions.MAX_CALLS + 1):
        assert actions.do_claim_next_call(interviewer).pk == invitation.pk
        actions.do_record_call_outcome(
            invitation=invitation, interviewer=interviewer, outcome="no_answer"
        )
        current = refreshed(invitation)
        if call < actions.MAX_CALLS:
            assert current.state == "sent"
            assert actions.do_claim_next_call(interviewer) is None  # not due yet
            waits.append(current.send_at)
            clock.move_to(current.send_at + dt.timedelta(seconds=1))
    # Two hours later, then a day after that, then two days after that.
    gaps = [b - a for a, b in zip([NOW, *waits], waits, strict=False)]
    assert [round(g.total_seconds() / 3600) for g in gaps] == [2, 24, 48]
    assert current.attempts == actions.MAX_CALLS
    assert (current.state, current.reason) == ("failed", "unreachable")
    assert Call.objects.filter(outcome="no_answer").count() == actions.MAX_CALLS


def test_a_retry_never_falls_in_the_quiet_hours(brand, people, phone_survey, clock):
    clock.move_to(dt.datetime(2026, 11, 20, 18, 30, tzinfo=dt.UTC))  # 19:30 in Paris
    invitation = due_call(brand, time_zone="Europe/Paris")
    actions.do_claim_next_call(people["north_manager"])
    actions.do_record_call_outcome(
        invitation=invitation, interviewer=people["north_manager"], outcome="no_answer"
    )
    # 21:30 Paris is in the quiet hours (20:00-09:00): the retry waits for 09:00 Paris.
    assert refreshed(invitation).send_at == dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)


def test_call_back_later_at_the_customers_time(brand, people, phone_survey, clock):
    invitation = due_call(brand, time_zone="Europe/Paris")
    client = signed_in(people["north_manager"])
    client.post("/interviews/next")
    done = client.post(
        f"/interviews/{invitation.pk}/",
        {"outcome": "call_back", "call_back_at": "2026-11-21T14:30"},
    )
    assert done.status_code == 302
    current = refreshed(invitation)
    assert current.send_at == dt.datetime(2026, 11, 21, 13, 30, tzinfo=dt.UTC)  # Paris time
    assert current.state == "sent" and current.held_by is None
    assert Call.objects.get().call_back_at == current.send_at
    assert client.get("/interviews/").context["due"] == 0
    clock.move_to(current.send_at)
    assert actions.do_claim_next_call(people["north_manager"]).pk == invitation.pk


def test_a_call_back_time_in_the_past_is_refused(brand, people, phone_survey):
    invitation = due_call(brand)
    client = signed_in(people["north_manager"])
    client.post("/interviews/next")
    page = client.post(
        f"/interviews/{invitation.pk}/",
        {"outcome": "call_back", "call_back_at": "2026-11-19T14:30"},
    )
    assert page.status_code == 400
    assert "in the future" in page.content.decode()
    assert refreshed(invitation).held_by == people["north_manager"]


def test_a_refusal_opts_the_contact_out_of_phone_interviews(brand, people, phone_survey):
    invitation = due_call(brand)
    phone_survey.quarantine_days = 0
    phone_survey.save()
    other = due_call(brand, 1, unit="store-040")  # the same person, another store
    assert other.state == "sent"
    actions.do_claim_next_call(people["north_manager"])
    actions.do_record_call_outcome(
        invitation=invitation, interviewer=people["north_manager"], outcome="refused"
    )
    current = refreshed(invitation)
    assert (current.state, current.reason) == ("failed", "refused")
    assert current.contact.phone_opted_out_at is not None
    assert current.contact.opted_out_at is None  # email surveys may still go
    assert (refreshed(other).state, other.reason) == ("suppressed", "opted_out")
    assert due_call(brand, 1, unit="store-040", external_id="z").reason == "opted_out"


def test_a_wrong_number_closes_that_numbers_calls(brand, people, phone_survey):
    invitation = due_call(brand)
    actions.do_claim_next_call(people["north_manager"])
    actions.do_record_call_outcome(
        invitation=invitation, interviewer=people["north_manager"], outcome="wrong_number"
    )
    current = refreshed(invitation)
    assert (current.state, current.reason) == ("failed", "wrong_number")
    assert "+33612345671" in current.detail


def test_putting_a_call_back_costs_no_attempt(brand, people, phone_survey):
    invitation = due_call(brand)
    client = signed_in(people["north_manager"])
    client.post("/interviews/next")
    client.post(f"/interviews/{invitation.pk}/", {"outcome": "release"})
    current = refreshed(invitation)
    assert (current.held_by, current.attempts, current.state) == (None, 0, "sent")
    assert actions.do_claim_next_call(people["brand_admin"]).pk == invitation.pk


def test_a_call_outside_ones_units_does_not_exist(brand, people, phone_survey):
    invitation = due_call(brand)
    actions.do_claim_next_call(people["north_manager"])
    assert (
        signed_in(people["south_store_manager"]).get(f"/interviews/{invitation.pk}/").status_code
        == 404
    )
    assert (
        signed_in(people["outsider"])
        .post(f"/interviews/{invitation.pk}/", {"outcome": "answered", "score": "0"})
        .status_code
        == 404
    )
    assert Response.objects.count() == 0


def test_viewers_do_not_interview(brand, phone_survey):
    due_call(brand)
    viewer = get_user_model().objects.create_user("analyst", password="pw")
    Membership.objects.create(user=viewer, unit=brand.brand, role="viewer")
    assert actions.do_claim_next_call(viewer) is None
    assert "need a membership" in signed_in(viewer).get("/interviews/").content.decode()


def test_the_interviewer_pages_need_a_sign_in(brand, phone_survey):
    invitation = due_call(brand)
    assert Client().get("/interviews/")["Location"].startswith("/login/")
    assert Client().get(f"/interviews/{invitation.pk}/")["Location"].startswith("/login/")


def test_a_missing_score_is_explained_and_nothing_is_stored(brand, people, phone_survey):
    invitation = due_call(brand)
    client = signed_in(people["north_manager"])
    client.post("/interviews/next")
    page = client.post(f"/interviews/{invitation.pk}/", {"outcome": "answered", "comment": "x"})
    assert page.status_code == 400
    assert "Choose a score from 0 to 10." in page.content.decode()
    assert Response.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_interviewers_racing_for_the_queue_each_get_different_calls(brand, people, phone_survey):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    calls = {due_call(brand, n).pk for n in range(8)}
    interviewers = []
    for n in range(8):
        user = get_user_model().objects.create_user(f"caller-{n}", password="pw")
        Membership.objects.create(user=user, unit=brand.brand, role="frontline")
        interviewers.append(user)
    start = threading.Barrier(len(interviewers))
    taken = []

    def work(user):
        start.wait()
        taken.append(actions.do_claim_next_call(user).pk)
        connections.close_all()

    threads = [threading.Thread(target=work, args=(u,)) for u in interviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(calls)  # eight interviewers, eight different people
    holders = Invitation.objects.filter(pk__in=calls).values_list("held_by", flat=True)
    assert len(set(holders)) == 8


def test_a_contact_without_a_number_is_not_queued(brand, phone_survey):
    payload = interaction(
        brand, touchpoint="store-purchase-phone", contact={"email": "nophone@example.com"}
    )
    invitation = record_interactions(brand.account, [InteractionIn(**payload)]).items[0].invitation
    assert (invitation.state, invitation.reason) == ("suppressed", "no_address")
