"""Ticket pages: the inbox and ticket page are scoped like everything else (404 outside),
managers act from the page, customers answer the follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.conftest import follow_up_path
from tests.test_tickets import respond
from touchpoint.notifications.models import Preference
from touchpoint.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def ticket(brand, people, clock) -> Ticket:
    """A detractor at store-012 (North): held by the North manager."""
    return Ticket.objects.get(response=respond(brand, 2, "Queue of 40 minutes, nobody helped"))


def test_the_north_manager_finds_the_ticket_in_their_inbox_with_loop_metrics(
    client, ticket, people
):
    client.force_login(people["north_manager"])
    page = client.get("/tickets/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"/tickets/{ticket.pk}/" in html and "Queue of 40 minutes" in html
    assert "Median first response" in html and "Detractors contacted" in html


@pytest.mark.parametrize("persona", ["south_store_manager", "vendor_manager", "outsider"])
def test_people_outside_the_tickets_unit_get_404_and_an_empty_inbox(
    client, ticket, people, persona
):
    client.force_login(people[persona])
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client.post(f"/tickets/{ticket.pk}/", {"action": "note", "text": "x"}).status_code == 404
    for view in ("mine", "open", "overdue", "done"):
        assert f"/tickets/{ticket.pk}/" not in client.get(f"/tickets/?view={view}").content.decode()
    assert not ticket.events.filter(kind="note").exists()


def test_the_brand_admin_sees_it_and_a_frontline_agent_does_not(client, ticket, people):
    client.force_login(people["brand_admin"])
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
    client.force_login(people["agent"])
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404


def test_a_manager_adds_a_note_and_resolves_from_the_page(client, ticket, people):
    client.force_login(people["north_manager"])
    page = client.post(
        f"/tickets/{ticket.pk}/", {"action": "note", "text": "Called the store"}, follow=True
    )
    assert "Note added." in page.content.decode()
    page = client.post(
        f"/tickets/{ticket.pk}/", {"action": "state", "state": "resolved"}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and ticket.follow_up_hash
    assert "Called the store" in page.content.decode()


def test_an_impossible_move_is_refused_with_a_message_and_changes_nothing(client, ticket, people):
    client.force_login(people["north_manager"])
    page = client.post(
        f"/tickets/{ticket.pk}/", {"action": "state", "state": "closed"}, follow=True
    )
    assert "cannot move to closed" in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_the_follow_up_link_only_preselects_and_the_post_records(client, ticket, people):
    client.force_login(people["north_manager"])
    client.post(f"/tickets/{ticket.pk}/", {"action": "state", "state": "resolved"})
    client.logout()
    ticket.refresh_from_db()
    url = follow_up_path(ticket)

    page = client.get(f"{url}?score=9")
    assert 'value="9" checked' in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.follow_up_answered_at is None  # a mail scanner's GET stores nothing

    assert client.post(url, {"answer": "11"}).status_code == 400
    assert "Thank you" in client.post(url, {"answer": "9"}).content.decode()
    ticket.refresh_from_db()
    assert ticket.follow_up_score == 9 and ticket.recovered
    assert client.get("/f/not-a-token").status_code == 404


def test_a_user_chooses_the_daily_digest(client, people):
    client.force_login(people["north_manager"])
    client.post("/tickets/settings/", {"ticket_email": "digest"})
    assert Preference.objects.get(user=people["north_manager"]).ticket_email == "digest"
    page = client.post("/tickets/settings/", {"ticket_email": "hourly"}, follow=True)
    assert "Choose one of the options." in page.content.decode()


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_reads_and_updates_tickets_of_its_account_only(
    api, brand, ticket, outsider, clock
):
    from touchpoint.accounts.actions import do_create_api_key
    from touchpoint.tickets.models import RootCause

    listed = api.get("/api/v1/tickets?state=new&unit=north").json()
    assert [t["id"] for t in listed["tickets"]] == [ticket.pk] and listed["total"] == 1
    assert api.get("/api/v1/tickets?unit=south").json()["total"] == 0
    assert api.get("/api/v1/tickets?unit=nowhere").status_code == 404
    assert api.get("/api/v1/tickets?state=lost").status_code == 422

    RootCause.objects.create(account=brand.account, code="queue", name="Long queue")
    changed = api.patch(
        f"/api/v1/tickets/{ticket.pk}",
        {"note": "Synced to CRM", "state": "resolved", "root_cause": "queue"},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["state"] == "resolved" and body["root_cause"] == "queue"
    assert [e["kind"] for e in body["events"]][-4:] == [
        "note",
        "root_cause",
        "state",
        "follow_up_sent",
    ]
    assert body["events"][-4]["by"] == "tests"

    refused = api.patch(
        f"/api/v1/tickets/{ticket.pk}", {"state": "waiting"}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_transition"

    other_key = do_create_api_key(account=outsider, name="other").secret
    other = {"Authorization": f"Bearer {other_key}"}
    assert api.get(f"/api/v1/tickets/{ticket.pk}", headers=other).status_code == 404
    assert api.get("/api/v1/tickets", headers=other).json()["total"] == 0


# --- Root causes, urgency and local time ----------------------------------------------------------


def test_root_causes_are_reported_with_the_recovery_rate_per_cause(client, brand, people, clock):
    """Five resolved tickets: three for stock (two won back of three follow-ups), one for the
    queue (not won back), one without a cause; one still open is not counted."""
    from touchpoint.tickets import actions
    from touchpoint.tickets.models import RootCause

    stock = RootCause.objects.create(account=brand.account, code="stock", name="Damaged stock")
    queue = RootCause.objects.create(account=brand.account, code="queue", name="Long queue")
    manager = people["north_manager"]
    plan = [(stock, 10), (stock, 9), (stock, 4), (queue, 3), (None, None), ("open", None)]
    for n, (cause, follow_up) in enumerate(plan):
        ticket = Ticket.objects.get(response=respond(brand, 2, f"bad {n}", n=10 + n))
        if cause == "open":
            continue
        actions.do_change_state(
            ticket, actor=manager, state="resolved", root_cause_id=cause.pk if cause else None
        )
        if follow_up is not None:
            ticket.refresh_from_db()
            actions.do_record_follow_up(ticket, score=follow_up)
    client.force_login(manager)
    html = client.get("/tickets/root-causes/?period=month").content.decode()
    table = html.split('class="causes"')[1].split("</table>")[0]
    rows = [r.split("</tr>")[0] for r in table.split("<tr>")[2:]]
    assert "Damaged stock" in rows[0] and ">3<" in rows[0] and "67%" in rows[0]
    assert "Long queue" in rows[1] and "0%" in rows[1]
    assert "No root cause given" in rows[2]
    assert len(rows) == 3  # the open ticket is not a resolved one
    assert "few answers" in rows[0]  # three follow-ups: the rate is shown with its interval
    client.force_login(people["south_store_manager"])
    other = client.get("/tickets/root-causes/?period=month").content.decode()
    assert "Damaged stock" not in other


def test_the_inbox_puts_the_overdue_first_and_its_counts_match_its_tabs(
    client, brand, people, clock
):
    old = Ticket.objects.get(response=respond(brand, 2, "three days ago", n=20))
    clock.shift(dt.timedelta(days=3))
    new = Ticket.objects.get(response=respond(brand, 1, "just now", n=21))
    client.force_login(people["north_manager"])
    html = client.get("/tickets/?view=open").content.decode()
    assert html.index(f"/tickets/{old.pk}/") < html.index(f"/tickets/{new.pk}/")
    assert "Overdue by" in html and "due in" in html
    tiles = html.split("tiles now")[1].split("</dl>")[0]
    assert "<dt>Open now</dt><dd>2</dd>" in tiles and '<span class="overdue-tag">1</span>' in tiles
    assert 'Overdue <span class="count warn">1</span>' in html
    assert 'All open <span class="count">2</span>' in html


def test_ticket_times_read_in_the_accounts_time_zone(client, ticket, people):
    """Opened at 09:00 UTC: 10:00 in Paris, the account's zone."""
    client.force_login(people["north_manager"])
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "20 Nov 2026, 10 a.m." in html and "20 Nov 2026, 9 a.m." not in html
