"""The closed loop: a negative answer opens a ticket for the right managers, it climbs the tree
when nobody acts, every notice goes out once over real SMTP and signed webhooks."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection

from tests.conftest import follow_up_path, interaction, outbound
from touchpoint.accounts.models import Membership
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.lib import signing
from touchpoint.notifications import delivery as notifications
from touchpoint.notifications.actions import do_set_preference
from touchpoint.notifications.models import Delivery, Endpoint
from touchpoint.outbox.models import Circuit
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Invitation
from touchpoint.tickets import actions
from touchpoint.tickets.models import RootCause, Ticket, TicketEvent, TicketRule

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def manager(unit, username: str, role: str = "manager"):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", first_name=username.title()
    )
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def staff(brand):
    return {
        "store": manager(brand.store, "lille-manager"),
        "north": manager(brand.north, "north-manager"),
        "brand": manager(brand.brand, "cx-lead", role="admin"),
    }


def invitation_for(brand, unit_code: str = "store-012", n: int = 1, **overrides) -> Invitation:
    payload = interaction(
        brand,
        external_id=f"sale-{n}",
        unit=unit_code,
        contact={"email": f"customer{n}@example.com", "name": f"Customer {n}"},
        **overrides,
    )
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.items
    return result.items[0].invitation


def respond(brand, score: int, comment: str = "", **kwargs):
    response, _ = do_answer_invitation(
        invitation=invitation_for(brand, **kwargs), score=score, comment=comment
    )
    return response


def test_a_detractor_opens_a_ticket_for_the_store_manager_at_once(brand, staff, clock):
    response = respond(brand, 3, "The phone I bought was already scratched")

    ticket = Ticket.objects.get(response=response)
    assert ticket.state == "new"
    assert ticket.holder == brand.store
    assert list(ticket.assignees.all()) == [staff["store"]]
    assert ticket.reason == "detractor (score 3)"
    assert ticket.first_response_due_at == START + dt.timedelta(hours=24)
    assert ticket.resolution_due_at == START + dt.timedelta(hours=72)
    notice = Delivery.objects.get(event_type="ticket.opened")
    assert notice.to_email == "lille-manager@example.com"
    assert "The phone I bought was already scratched" in notice.body_text


def test_a_unit_without_a_manager_passes_its_tickets_to_the_nearest_managed_ancestor(
    brand, staff, clock
):
    response = respond(brand, 2, unit_code="store-040")  # Nice Port: no manager, South: none

    ticket = Ticket.objects.get(response=response)
    assert ticket.holder == brand.brand
    assert list(ticket.assignees.all()) == [staff["brand"]]


def test_promoters_and_passives_open_no_ticket_by_default(brand, staff, clock):
    respond(brand, 10, n=1)
    respond(brand, 8, n=2)
    assert not Ticket.objects.exists()


def test_rules_can_open_tickets_for_passives_and_for_words_in_any_comment(brand, staff, clock):
    TicketRule.objects.create(
        touchpoint=brand.purchase, open_on="not_promoters", keywords="refund\nbroken screen"
    )
    passive = respond(brand, 7, n=1)
    promoter_with_words = respond(brand, 10, "Great staff but I want a REFUND for the case", n=2)
    happy = respond(brand, 9, "Lovely", n=3)

    assert Ticket.objects.get(response=passive).reason == "passive (score 7)"
    assert Ticket.objects.get(response=promoter_with_words).reason == 'comment mentions "refund"'
    assert not Ticket.objects.filter(response=happy).exists()


def test_an_updated_answer_updates_its_ticket_instead_of_opening_another(brand, staff, clock):
    invitation = invitation_for(brand)
    do_answer_invitation(invitation, score=2, comment="Rude")
    do_answer_invitation(invitation, score=4, comment="Rude, but they apologised")

    ticket = Ticket.objects.get()
    assert ticket.response.score == 4
    assert [e.kind for e in ticket.events.all()] == ["opened", "updated"]


def test_an_overdue_ticket_climbs_two_levels_and_each_step_is_notified_once(brand, staff, clock):
    ticket = Ticket.objects.get(response=respond(brand, 1))

    clock.move_to(START + dt.timedelta(hours=24, minutes=1))
    assert actions.sweep_tickets() == {"warned": 0, "escalated": 1}
    assert actions.sweep_tickets() == {"warned": 0, "escalated": 0}  # a second worker: nothing
    ticket.refresh_from_db()
    assert (ticket.holder, ticket.escalation_level) == (brand.north, 1)
    assert set(ticket.assignees.all()) == {staff["store"], staff["north"]}

    clock.move_to(START + dt.timedelta(hours=48, minutes=2))
    actions.sweep_tickets()
    ticket.refresh_from_db()
    assert (ticket.holder, ticket.escalation_level) == (brand.brand, 2)

    clock.move_to(START + dt.timedelta(hours=96))
    actions.sweep_tickets()  # nobody above the brand: it stays, noted once
    actions.sweep_tickets()
    ticket.refresh_from_db()
    assert (ticket.holder, ticket.escalation_level, ticket.escalate_at) == (brand.brand, 2, None)

    escalations = Delivery.objects.filter(event_type="ticket.escalated")
    assert sorted(escalations.values_list("to_email", flat=True)) == sorted(
        [
            "lille-manager@example.com",
            "north-manager@example.com",  # step 1
            "lille-manager@example.com",
            "north-manager@example.com",
            "cx-lead@example.com",  # step 2
        ]
    )
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count("escalated") == 3  # two steps and the "no one higher" note
    assert kinds.count("sla_warning") == 0  # a warning found after its deadline is dropped


def test_the_holder_is_warned_once_before_the_deadline(brand, staff, clock):
    respond(brand, 4)
    clock.move_to(START + dt.timedelta(hours=18, minutes=1))  # 6 h (a quarter) left
    assert actions.sweep_tickets()["warned"] == 1
    assert actions.sweep_tickets()["warned"] == 0
    warning = Delivery.objects.get(event_type="ticket.sla_warning")
    assert warning.subject.endswith("escalates in about 6 h")


def test_acting_in_time_stops_the_first_response_clock(brand, staff, clock):
    ticket = Ticket.objects.get(response=respond(brand, 5))
    clock.move_to(START + dt.timedelta(hours=2))
    actions.do_add_note(ticket, actor=staff["store"], text="Calling her this afternoon")
    clock.move_to(START + dt.timedelta(hours=30))
    assert actions.sweep_tickets()["escalated"] == 0

    clock.move_to(START + dt.timedelta(hours=72, minutes=1))  # not resolved in time: climbs
    assert actions.sweep_tickets()["escalated"] == 1
    ticket.refresh_from_db()
    assert ticket.first_responded_at == START + dt.timedelta(hours=2)
    assert ticket.holder == brand.north


def test_the_workflow_refuses_impossible_moves_and_keeps_an_audit_trail(brand, staff, clock):
    ticket = Ticket.objects.get(response=respond(brand, 3))
    cause = RootCause.objects.create(account=brand.account, code="stock", name="Damaged stock")
    store = staff["store"]

    actions.do_change_state(ticket, actor=store, state="in_progress")
    with pytest.raises(actions.TicketError, match="cannot move to closed"):
        actions.do_change_state(ticket, actor=store, state="closed")
    actions.do_change_state(ticket, actor=store, state="resolved", root_cause_id=cause.pk)
    actions.do_change_state(ticket, actor=store, state="in_progress")  # reopened

    ticket.refresh_from_db()
    assert ticket.state == "in_progress" and ticket.resolved_at is None
    assert ticket.root_cause == cause
    trail = [(e.kind, e.actor and e.actor.username) for e in ticket.events.all()]
    assert trail == [
        ("opened", None),
        ("state", "lille-manager"),
        ("root_cause", "lille-manager"),
        ("state", "lille-manager"),
        ("follow_up_sent", None),
        ("state", "lille-manager"),
    ]


def test_viewers_and_managers_of_other_units_cannot_change_a_ticket(brand, people, clock):
    ticket = Ticket.objects.get(response=respond(brand, 3))
    assert list(ticket.assignees.all()) == [people["north_manager"]]
    viewer = manager(brand.store, "lille-viewer", role="viewer")
    for outsider in (viewer, people["south_store_manager"], people["outsider"]):
        with pytest.raises(actions.TicketError):
            actions.do_add_note(ticket, actor=outsider, text="hello")
    assert actions.assignable_users(ticket, people["south_store_manager"]) == []


def test_reassignment_offers_only_managers_inside_the_actors_scope(brand, staff, clock):
    ticket = Ticket.objects.get(response=respond(brand, 3))
    deputy = manager(brand.store, "lille-deputy")

    assert actions.assignable_users(ticket, staff["store"]) == [deputy, staff["store"]]
    assert staff["north"] in actions.assignable_users(ticket, staff["north"])
    with pytest.raises(actions.TicketError):
        actions.do_assign(ticket, actor=staff["store"], user_ids=[staff["north"].pk])
    actions.do_assign(ticket, actor=staff["store"], user_ids=[deputy.pk])
    assert list(ticket.assignees.all()) == [deputy]
    assert Delivery.objects.get(event_type="ticket.assigned").to_email == deputy.email


# --- Delivery over real transports ----------------------------------------------------------


class Receiver:
    """A local HTTP server that checks each webhook's signature; `fail` answers 500 first."""

    def __init__(self, secret: str = "") -> None:
        self.secret, self.fail, self.received, self.rejected = secret, 0, [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail:
                    receiver.fail -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                if receiver.secret:
                    try:
                        signing.verify(receiver.secret, dict(self.headers), body, now=time.time())
                    except signing.InvalidSignature as error:
                        receiver.rejected.append(str(error))
                        self.send_response(401)
                        self.end_headers()
                        return
                receiver.received.append((dict(self.headers), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_notices_reach_managers_by_real_smtp_and_a_signed_webhook(brand, staff, smtp, receiver):
    endpoint = Endpoint.objects.create(
        account=brand.account, name="CRM", url=receiver.url, events=["ticket.*"]
    )
    receiver.secret = endpoint.secret
    Endpoint.objects.create(
        account=brand.account, name="Other events only", url=receiver.url, events=["x.y"]
    )
    respond(brand, 2, "Nobody helped me")

    assert outbound() == 2
    [mail] = smtp.messages
    assert mail["To"] == "lille-manager@example.com"
    assert "New ticket" in mail["Subject"]
    assert "Nobody helped me" in mail.get_body(("plain",)).get_content()
    assert mail.get_body(("html",)) is not None
    [(headers, body)] = receiver.received
    assert body["event_type"] == "ticket.opened"
    assert body["data"]["response"]["score"] == 2
    assert body["data"]["unit"]["code"] == "store-012"
    assert headers[signing.ID_HEADER] == body["event_id"]
    assert receiver.rejected == []
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_a_tampered_or_replayed_webhook_fails_verification():
    body = b'{"a":1}'
    headers = signing.signed_headers("s3cret", "evt-1", 1_000_000, body)
    assert signing.verify("s3cret", headers, body, now=1_000_010) == "evt-1"
    with pytest.raises(signing.InvalidSignature, match="does not match"):
        signing.verify("s3cret", headers, b'{"a":2}', now=1_000_010)
    with pytest.raises(signing.InvalidSignature, match="tolerance"):
        signing.verify("s3cret", headers, body, now=1_000_000 + 301)
    with pytest.raises(signing.InvalidSignature, match="does not match"):
        signing.verify("other", headers, body, now=1_000_010)


def test_a_failing_receiver_is_retried_with_back_off_then_marked_failed(brand, staff, receiver):
    endpoint = Endpoint.objects.create(
        account=brand.account, name="CRM", url=receiver.url, events=["ticket.opened"]
    )
    receiver.secret = endpoint.secret
    receiver.fail = 1
    with time_machine.travel(START, tick=False) as clock:
        respond(brand, 2)
        outbound()
        hook = Delivery.objects.get(channel="webhook")
        assert (hook.state, hook.attempts, hook.response_status) == ("pending", 1, 500)
        assert hook.send_at == START + dt.timedelta(minutes=1)
        assert "HTTP 500" in hook.last_error

        clock.move_to(START + dt.timedelta(minutes=1))
        outbound()
        hook.refresh_from_db()
        assert (hook.state, hook.attempts) == ("sent", 2)
        assert len(receiver.received) == 1

        receiver.fail = 99  # now it is down for good
        respond(brand, 1, n=2)
        for minutes in (0, 1, 6, 36, 156, 516):
            clock.move_to(START + dt.timedelta(minutes=1 + minutes, seconds=1))
            outbound()
        last = Delivery.objects.filter(channel="webhook").latest("pk")
        assert (last.state, last.attempts) == ("failed", notifications.MAX_ATTEMPTS)


def test_an_unreachable_smtp_server_does_not_block_the_ticket(brand, staff, smtp_down, clock):
    ticket = Ticket.objects.get(response=respond(brand, 2))
    outbound()
    mail = Delivery.objects.get(event_type="ticket.opened")
    assert ticket.pk and (mail.state, mail.attempts) == ("pending", 0)
    assert "cannot reach" in Circuit.objects.get().last_error


def test_a_slack_compatible_endpoint_gets_a_short_text(brand, staff, receiver, clock):
    Endpoint.objects.create(
        account=brand.account, name="Slack", kind="slack", url=receiver.url, events=["ticket.*"]
    )
    respond(brand, 2)
    outbound()
    [(headers, body)] = receiver.received
    assert set(body) == {"text"}
    assert "Lille Centre" in body["text"] and "score 2" in body["text"]
    assert signing.SIGNATURE_HEADER not in headers


def test_a_daily_digest_folds_held_notices_into_one_email_once(brand, staff, smtp, clock):
    do_set_preference(staff["store"], "digest")
    respond(brand, 2, n=1)
    respond(brand, 3, n=2)
    assert outbound() == 0  # held
    assert notifications.bundle_digests() == 0  # 10:00 Paris, but held after today's 08:00

    clock.move_to(dt.datetime(2026, 11, 21, 7, 30, tzinfo=dt.UTC))  # 08:30 in Paris
    assert notifications.bundle_digests() == 1
    assert notifications.bundle_digests() == 0
    outbound()
    [digest] = smtp.messages
    assert digest["Subject"] == "2 ticket updates for 21 Nov 2026"
    assert digest.get_body(("plain",)).get_content().count("New ticket") == 2


def test_turning_ticket_mail_off_stops_emails_but_not_the_ticket(brand, staff, clock):
    do_set_preference(staff["store"], "off")
    respond(brand, 2)
    assert Ticket.objects.count() == 1
    assert not Delivery.objects.exists()


# --- Customer contact and follow-up ---------------------------------------------------------


def test_a_reply_to_the_customer_is_threaded_and_counts_as_contact(brand, staff, smtp, clock):
    ticket = Ticket.objects.get(response=respond(brand, 3))
    actions.do_reply_to_customer(
        ticket, actor=staff["store"], text="We are sorry. Come back and we swap it."
    )
    outbound()
    reply = next(m for m in smtp.messages if m["To"] == "customer1@example.com")
    assert reply["In-Reply-To"] == reply["References"]
    assert reply["In-Reply-To"].startswith(f"<ticket-{ticket.pk}@")
    assert reply["Reply-To"] == "lille-manager@example.com"
    assert "Come back and we swap it." in reply.get_body(("plain",)).get_content()
    ticket.refresh_from_db()
    assert ticket.state == "waiting" and ticket.contacted_at == START


def test_resolving_sends_one_follow_up_whose_answer_is_a_recovery(brand, staff, smtp, clock):
    ticket = Ticket.objects.get(response=respond(brand, 2))
    actions.do_change_state(ticket, actor=staff["store"], state="resolved")
    actions.do_change_state(ticket, actor=staff["store"], state="in_progress")
    actions.do_change_state(ticket, actor=staff["store"], state="resolved")  # no second one
    outbound()
    follow_ups = [m for m in smtp.messages if m["To"] == "customer1@example.com"]
    assert len(follow_ups) == 1
    ticket.refresh_from_db()
    html = follow_ups[0].get_body(("html",)).get_content()
    assert f"{follow_up_path(ticket)}?score=10" in html

    actions.do_record_follow_up(ticket, score=9)
    ticket.refresh_from_db()
    assert ticket.recovered is True


# --- Concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent writers")
def test_concurrent_submissions_of_one_answer_open_exactly_one_ticket(brand, staff):
    invitation = invitation_for(brand)
    barrier = threading.Barrier(4)
    errors = []

    def submit(score):
        try:
            barrier.wait()
            do_answer_invitation(invitation, score=score)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(s,)) for s in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="opened").count() == 1
    assert Delivery.objects.filter(event_type="ticket.opened").count() == 1


@pytest.mark.parametrize(("days_ago", "tickets"), [(8, 0), (6, 1)])
def test_an_answer_imported_from_the_past_opens_no_ticket(
    brand, staff, api, clock, days_ago, tickets
):
    """History (an answer given more than a week before it reaches us) counts in every
    report but is not a case to work; a recent one is."""
    answered = (START - dt.timedelta(days=days_ago)).isoformat()
    payload = interaction(
        brand, occurred_at=answered, response={"score": 1, "answered_at": answered}
    )
    assert (
        api.post("/api/v1/interactions", payload, content_type="application/json").status_code
        == 201
    )
    assert Ticket.objects.count() == tickets
    assert Response.objects.get().score == 1


def test_an_answer_sent_with_its_interaction_opens_a_ticket_too(brand, staff, api, clock):
    payload = interaction(
        brand,
        occurred_at="2026-11-20T08:30:00+00:00",
        response={"score": 3, "comment": "Told the agent on the phone", "channel": "phone"},
    )
    created = api.post("/api/v1/interactions", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    ticket = Ticket.objects.get()
    assert ticket.response.comment == "Told the agent on the phone"
    assert list(ticket.assignees.all()) == [staff["store"]]


@pytest.mark.django_db
def test_responsible_users_are_those_the_orm_finds_in_its_order(
    brand, people, django_assert_num_queries
):
    """Who can hold a ticket at a unit and its ancestors, read with SQL compiled once per
    number of units: the same users as the ORM's query, in username order, inactive ones
    left out, their language and notice preferences loaded with them."""
    User = get_user_model()
    second = User.objects.create_user("aaa-deputy", "deputy@example.com", "pw")
    Membership.objects.create(user=second, unit=brand.north, role="manager")
    gone = User.objects.create_user("zz-gone", "gone@example.com", "pw", is_active=False)
    Membership.objects.create(user=gone, unit=brand.north, role="manager")
    for unit in (brand.store, brand.other_store, brand.agent, brand.brand):
        ids = unit.ancestor_ids
        expected: dict[int, list] = {}
        rows = Membership.objects.filter(unit_id__in=ids, role__in=actions.RESPONSIBLE_ROLES)
        for membership in rows.select_related("user").order_by("user__username"):
            if membership.user.is_active:
                expected.setdefault(membership.unit_id, []).append(membership.user)
        for _ in range(2):  # compiled, then run again (prepared on PostgreSQL)
            found = actions.responsible_users(ids)
            assert found == expected
    assert [u.username for u in actions.responsible_users([brand.north.pk])[brand.north.pk]] == [
        "aaa-deputy",
        "north-manager",
    ]
    assert actions.responsible_users([]) == {}
    [manager] = actions.responsible_users([brand.other_store.pk])[brand.other_store.pk]
    with django_assert_num_queries(0):
        manager.notification_preference if hasattr(manager, "notification_preference") else None
        getattr(manager, "profile", None)
