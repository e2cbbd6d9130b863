"""The access matrix: every report page, export, API endpoint and digest, walked as each
persona, against exactly what that persona may see.

Three answers (each with its ticket) sit in three corners of the tree: a North store, a South
store and an agent of the CallCo vendor. A person sees a corner only if it lies under a unit
they hold; an API key sees what lies under its unit; anything else is a 404, or absent from
lists, exports and digests.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from tests.test_tickets import respond
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Unit
from touchpoint.digests.actions import build_digest, render_digest
from touchpoint.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)

CORNERS = {  # marker comment: the unit it is about
    "NORTHSTORE": "store-012",
    "SOUTHSTORE": "store-040",
    "CALLCOAGENT": "agent-431",
}
SEES = {
    "brand_admin": {"NORTHSTORE", "SOUTHSTORE", "CALLCOAGENT"},
    "north_manager": {"NORTHSTORE"},
    "south_store_manager": {"SOUTHSTORE"},
    "vendor_manager": {"CALLCOAGENT"},
    "agent": {"CALLCOAGENT"},  # frontline: their own results
    "outsider": set(),
}


@pytest.fixture
def world(brand, people):
    with time_machine.travel(NOW, tick=False):
        answers = {}
        for n, (marker, code) in enumerate(CORNERS.items(), start=1):
            response = respond(brand, 2, f"{marker} was a letdown", unit_code=code, n=n)
            answers[marker] = (response, Ticket.objects.get(response=response))
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=True):
        yield answers


def visible(status_by_marker: dict[str, int]) -> set[str]:
    assert set(status_by_marker.values()) <= {200, 404}, status_by_marker
    return {marker for marker, status in status_by_marker.items() if status == 200}


@pytest.mark.parametrize("persona", list(SEES))
def test_pages_and_exports_show_each_person_exactly_their_part(client, people, world, persona):
    client.force_login(people[persona])
    expected = SEES[persona]
    by_unit = {m: r.unit_id for m, (r, _) in world.items()}

    assert visible({m: client.get(f"/units/{u}/").status_code for m, u in by_unit.items()}) == (
        expected
    )
    for extension in ("csv", "xlsx"):
        statuses = {
            m: client.get(f"/units/{u}/report.{extension}").status_code for m, u in by_unit.items()
        }
        assert visible(statuses) == expected, extension
    assert (
        visible({m: client.get(f"/responses/{r.pk}/").status_code for m, (r, _) in world.items()})
        == expected
    )
    assert (
        visible({m: client.get(f"/tickets/{t.pk}/").status_code for m, (_, t) in world.items()})
        == expected
    )

    lists = {
        "explorer": client.get("/responses/"),
        "explorer csv": client.get("/responses/export.csv"),
        "tickets": client.get("/tickets/?view=open"),
        "home": client.get("/"),
    }
    for name, page in lists.items():
        assert page.status_code == 200, name
        body = b"".join(page.streaming_content) if page.streaming else page.content
        shown = {m for m in CORNERS if m.encode() in body}
        if name == "home":
            assert shown <= expected, name  # the dashboard quotes only some comments
        else:
            assert shown == expected, name


@pytest.mark.parametrize("persona", [p for p in SEES if p not in ("agent", "outsider")])
def test_the_weekly_digest_speaks_only_of_the_persons_part(people, world, persona):
    monday = dt.date(2026, 11, 23)
    text, html = render_digest(build_digest(people[persona], monday))
    for marker in CORNERS:
        if marker not in SEES[persona]:
            assert marker not in text and marker not in html, marker
        else:
            assert marker in text, marker  # quoted among the latest comments
    name = {"north_manager": "Lille Centre", "south_store_manager": "Nice Port"}
    for persona_name, store in name.items():
        if persona_name != persona and persona != "brand_admin":
            assert store not in text


def test_frontline_and_outsiders_get_no_digest(people, world):
    monday = dt.date(2026, 11, 23)
    for persona in ("agent", "outsider"):
        content = build_digest(people[persona], monday)
        text, _ = render_digest(content)
        assert not any(marker in text for marker in CORNERS), persona


@pytest.mark.parametrize(
    "key_unit, expected",
    [
        ("nimbus", {"NORTHSTORE", "SOUTHSTORE", "CALLCOAGENT"}),
        ("north", {"NORTHSTORE"}),
        ("store-040", {"SOUTHSTORE"}),
        ("callco", {"CALLCOAGENT"}),
        ("agent-431", {"CALLCOAGENT"}),
    ],
)
def test_api_keys_read_reports_and_tickets_of_their_unit_only(brand, world, key_unit, expected):
    unit = Unit.objects.get(account=brand.account, code=key_unit)
    secret = do_create_api_key(account=brand.account, name=f"key {key_unit}", unit=unit).secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})

    reports = {
        m: api.get(f"/api/v1/reports/nps?unit={code}").status_code for m, code in CORNERS.items()
    }
    assert visible(reports) == expected
    tickets = {m: api.get(f"/api/v1/tickets/{t.pk}").status_code for m, (_, t) in world.items()}
    assert visible(tickets) == expected
    listed = {
        t["response"]["comment"].split()[0] for t in api.get("/api/v1/tickets").json()["tickets"]
    }
    assert listed == expected


def test_another_accounts_key_sees_nothing_of_the_brand(world, outsider):
    secret = do_create_api_key(account=outsider, name="other").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    for marker, code in CORNERS.items():
        assert api.get(f"/api/v1/reports/nps?unit={code}").status_code == 404, marker
    for _, ticket in world.values():
        assert api.get(f"/api/v1/tickets/{ticket.pk}").status_code == 404
    assert api.get("/api/v1/tickets").json()["total"] == 0


@pytest.mark.parametrize("persona", ["agent", "vendor_manager", "brand_admin"])
def test_frontline_people_never_see_who_the_customer_is(client, people, world, persona):
    """The agent sees the answer and works the loop's figures, never the customer's name or
    address: not on the ticket, not on the answer's page, not in an export."""
    response, ticket = world["CALLCOAGENT"]
    contact = response.contact
    client.force_login(people[persona])
    pages = {
        "ticket": client.get(f"/tickets/{ticket.pk}/").content.decode(),
        "answer": client.get(f"/responses/{response.pk}/").content.decode(),
        "export": b"".join(client.get("/responses/export.csv").streaming_content).decode(),
    }
    for name, body in pages.items():
        assert "CALLCOAGENT was a letdown" in body, name
        shown = contact.email in body or contact.name in body
        assert shown == (persona != "agent"), name
