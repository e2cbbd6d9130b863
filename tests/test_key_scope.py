"""One scope rule for API keys: a key limited to a unit reads and writes its subtree only, on
every endpoint of `/api/v1`, the in-app API and `/delighted/v1`. Outside it, a unit, a person,
an answer or a ticket reads exactly like one that does not exist, and a write stores nothing.

Three customers answered in three corners of the tree (a North store, a South store, an agent
of CallCo); keys are minted for the whole account and for units at several levels.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from tests.test_tickets import invitation_for, respond
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Unit
from touchpoint.contacts.models import Contact
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Interaction, Invitation
from touchpoint.surveys.tokens import survey_token
from touchpoint.tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
CORNERS = {"NORTHSTORE": "store-012", "SOUTHSTORE": "store-040", "CALLCOAGENT": "agent-431"}
SEES = {
    None: set(CORNERS),  # an account-wide key
    "north": {"NORTHSTORE"},
    "store-040": {"SOUTHSTORE"},
    "callco": {"CALLCOAGENT"},
}
KEYS = list(SEES)


@pytest.fixture
def world(brand):
    with time_machine.travel(NOW, tick=False):
        answers = {}
        for n, (marker, code) in enumerate(CORNERS.items(), start=1):
            response = respond(brand, 2, f"{marker} was a letdown", unit_code=code, n=n)
            Contact.objects.filter(pk=response.contact_id).update(
                name=f"{marker} customer", email=f"{marker.lower()}@example.com"
            )
            answers[marker] = response
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=True):
        yield answers


def key_for(brand, unit_code: str | None) -> str:
    unit = Unit.objects.get(account=brand.account, code=unit_code) if unit_code else None
    return do_create_api_key(account=brand.account, name=f"key {unit_code}", unit=unit).secret


def api(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def delighted(secret: str) -> Client:
    token = base64.b64encode(f"{secret}:".encode()).decode()
    return Client(headers={"Authorization": f"Basic {token}", "Accept": "application/json"})


def markers_in(body: str) -> set[str]:
    return {m for m in CORNERS if m.lower() in body.lower()}


def snapshot() -> tuple:
    """Everything a write could change."""
    return (
        list(Contact.objects.order_by("pk").values_list("pk", "name", "email", "opted_out_at")),
        list(Response.objects.order_by("pk").values_list("pk", "score", "comment", "unit_id")),
        list(Interaction.objects.order_by("pk").values_list("pk", "unit_id")),
        list(Invitation.objects.order_by("pk").values_list("pk", "state")),
        list(Ticket.objects.order_by("pk").values_list("pk", "state", "priority")),
    )


# ---- /api/v1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key_unit", KEYS)
def test_intake_writes_only_inside_the_keys_subtree(brand, world, key_unit):
    client = api(key_for(brand, key_unit))
    for marker, code in CORNERS.items():
        before = snapshot()
        answer = client.post(
            "/api/v1/interactions",
            {
                "external_id": f"sale-{marker}-{key_unit}",
                "touchpoint": "store-purchase",
                "unit": code,
                "occurred_at": NOW.isoformat(),
                "contact": {"email": f"new-{marker.lower()}@example.com"},
                "response": {"score": 3, "comment": "stored elsewhere"},
            },
            content_type="application/json",
        )
        if marker in SEES[key_unit]:
            assert answer.status_code == 201, answer.content
        else:
            assert answer.status_code == 404, answer.content
            assert answer.json() == {
                "error": "not_found",
                "detail": [
                    {"field": "interactions[0].unit", "message": f"no unit with code {code!r}"}
                ],
            }
            assert snapshot() == before


def test_an_unknown_and_an_out_of_scope_unit_answer_alike(brand, world):
    client = api(key_for(brand, "north"))
    bodies = {}
    for code in ("store-040", "no-such-store"):
        answer = client.post(
            "/api/v1/interactions",
            {
                "touchpoint": "store-purchase",
                "unit": code,
                "occurred_at": NOW.isoformat(),
                "contact": {"email": "ana@example.com"},
            },
            content_type="application/json",
        )
        bodies[code] = (answer.status_code, answer.json()["detail"][0]["message"].split("'")[0])
        tickets = client.get(f"/api/v1/tickets?unit={code}")
        assert tickets.status_code == 404
        assert tickets.json()["detail"][0]["field"] == "unit"
    assert bodies["store-040"] == bodies["no-such-store"]


@pytest.mark.parametrize("key_unit", KEYS)
def test_ticket_writes_outside_the_key_change_nothing(brand, world, key_unit):
    client = api(key_for(brand, key_unit))
    for marker, response in world.items():
        ticket = Ticket.objects.get(response=response)
        before = snapshot()
        answer = client.patch(
            f"/api/v1/tickets/{ticket.pk}",
            {"priority": "high", "note": "seen"},
            content_type="application/json",
        )
        if marker in SEES[key_unit]:
            assert answer.status_code == 200
        else:
            assert answer.status_code == 404
            assert snapshot() == before


@pytest.mark.parametrize("key_unit", KEYS)
def test_in_app_decisions_and_answers_stay_inside_the_key(brand, world, key_unit):
    brand.support.channel = Channel.IN_APP
    brand.support.save()
    client = api(key_for(brand, key_unit))
    for marker, code in CORNERS.items():
        before = snapshot()
        decision = client.post(
            "/api/v1/in-app/decisions",
            {
                "touchpoint": "support-call",
                "unit": code,
                "contact": {"external_id": f"user-{marker}-{key_unit}"},
            },
            content_type="application/json",
        )
        if marker in SEES[key_unit]:
            assert decision.status_code in (200, 201), decision.content
        else:
            assert decision.status_code == 404
            assert decision.json()["detail"][0]["field"] == "unit"
            assert snapshot() == before
    # An open in-app survey in each corner, answered with this key.
    for n, (marker, code) in enumerate(CORNERS.items(), start=50):
        invitation = invitation_for(brand, unit_code=code, n=n, touchpoint="support-call")
        assert (invitation.channel, invitation.state) == ("in_app", "sent")
        before = snapshot()
        answer = client.post(
            "/api/v1/in-app/responses",
            {"token": survey_token(invitation), "score": 4},
            content_type="application/json",
        )
        if marker in SEES[key_unit]:
            assert answer.status_code == 201, answer.content
        else:
            assert answer.status_code == 404
            assert snapshot() == before


# ---- /delighted/v1 ---------------------------------------------------------------------------


@pytest.mark.parametrize("key_unit", KEYS)
def test_delighted_reads_show_the_keys_people_and_answers_only(brand, world, key_unit):
    client = delighted(key_for(brand, key_unit))
    expected = SEES[key_unit]

    assert markers_in(client.get("/delighted/v1/people.json").content.decode()) == expected
    for marker in CORNERS:
        found = client.get(f"/delighted/v1/people.json?email={marker.lower()}@example.com")
        assert (found.json() != []) == (marker in expected), marker
    listed = client.get("/delighted/v1/survey_responses.json").json()
    assert {r["comment"].split()[0] for r in listed} == expected
    for marker, response in world.items():
        status = client.get(f"/delighted/v1/survey_responses/{response.pk}.json").status_code
        assert status == (200 if marker in expected else 404), marker
    metrics = client.get("/delighted/v1/metrics.json").json()
    assert metrics["response_count"] == len(expected)
    for marker, response in world.items():
        trend = client.get(f"/delighted/v1/metrics.json?trend={response.unit_id}")
        if marker in expected:
            assert trend.json()["response_count"] == 1
        else:  # the same answer as for a unit id that does not exist
            assert trend.status_code == 422
            missing = client.get("/delighted/v1/metrics.json?trend=999999")
            assert trend.json() == missing.json()

    Contact.objects.update(opted_out_at=NOW)
    unsubscribed = client.get("/delighted/v1/unsubscribes.json").content.decode()
    assert markers_in(unsubscribed) == expected


@pytest.mark.parametrize("key_unit", [k for k in KEYS if k is not None])
def test_delighted_writes_outside_the_key_are_404_and_change_nothing(brand, world, key_unit):
    client = delighted(key_for(brand, key_unit))
    for marker, response in world.items():
        if marker in SEES[key_unit]:
            continue
        email = f"{marker.lower()}@example.com"
        before = snapshot()
        writes = {
            "delete person": client.delete(f"/delighted/v1/people/{response.contact_id}.json"),
            "cancel pending": client.delete(
                f"/delighted/v1/people/{email}/survey_requests/pending.json"
            ),
            "update answer": client.put(
                f"/delighted/v1/survey_responses/{response.pk}.json",
                json.dumps({"score": 10, "comment": "changed"}),
                content_type="application/json",
            ),
            "unsubscribe": client.post(
                "/delighted/v1/unsubscribes.json",
                json.dumps({"person_email": email}),
                content_type="application/json",
            ),
            "change their email": client.post(
                "/delighted/v1/people.json",
                json.dumps({"email": email, "email_update": "taken@example.com"}),
                content_type="application/json",
            ),
        }
        for name, answer in writes.items():
            assert answer.status_code == 404, (name, answer.content)
        answer = client.post(
            "/delighted/v1/survey_responses.json",
            json.dumps({"person": str(response.contact_id), "score": 1}),
            content_type="application/json",
        )
        assert answer.status_code == 422
        assert answer.json()["errors"] == {"person": ["does not exist"]}
        assert snapshot() == before


def test_a_unit_key_sends_surveys_at_its_own_unit_and_learns_nothing_of_other_customers(
    brand, world
):
    client = delighted(key_for(brand, "store-040"))
    before = snapshot()
    # Someone known only at the North store: their stored name is not given away.
    quiet = client.post(
        "/delighted/v1/people.json",
        json.dumps({"email": "northstore@example.com", "send": False}),
        content_type="application/json",
    )
    assert quiet.status_code == 201
    assert quiet.json()["name"] is None
    assert "NORTHSTORE customer" not in quiet.content.decode()
    assert snapshot() == before

    sent = client.post(
        "/delighted/v1/people.json",
        json.dumps({"email": "northstore@example.com", "name": "Nora"}),
        content_type="application/json",
    )
    assert sent.status_code == 201
    interaction = Interaction.objects.latest("pk")
    assert interaction.unit.code == "store-040"  # the key's unit, not the brand
    assert client.get("/delighted/v1/people.json?email=northstore@example.com").json() != []


def test_autopilot_is_the_whole_accounts_programme(brand, world):
    unit_key = delighted(key_for(brand, "north"))
    assert unit_key.get("/delighted/v1/autopilot/email.json").status_code == 404
    assert unit_key.get("/delighted/v1/autopilot/email/memberships.json").status_code == 404
    account_key = delighted(key_for(brand, None))
    assert account_key.get("/delighted/v1/autopilot/email.json").status_code == 200
