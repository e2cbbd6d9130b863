"""One door for every answer: whatever brings a score in, the same things happen.

A detractor ("2, nobody called me back") answers through each entry point in turn. Each time:
the rollups move by exactly that one answer, exactly one ticket opens (none for a history
import, which is an answer given more than a week before it reaches us), exactly one domain
event is written to the outbox, a comment over the one limit is refused with nothing stored,
and sending the very same input a second time changes nothing at all.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from twilio.request_validator import RequestValidator

from tests.conftest import fold_rollups, interaction
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, sms_settings
from touchpoint.events.models import Event
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.kiosks.actions import do_create_kiosk
from touchpoint.reports.models import RollupTotal
from touchpoint.responses.actions import MAX_COMMENT, do_answer_invitation
from touchpoint.responses.models import Response
from touchpoint.surveys.defaults import do_create_journey_touchpoints
from touchpoint.surveys.models import Invitation, Touchpoint
from touchpoint.surveys.tokens import survey_token
from touchpoint.tickets.models import Ticket
from touchpoint.widget.actions import do_create_publishable_key

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
SAID = "Nobody called me back"
TOO_LONG = "x" * (MAX_COMMENT + 1)
PHONE = "+33612345678"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@dataclass
class Door:
    """One entry point: `prepare` sets the scene, `send` answers through it (`comment`
    varies), `changes` is True when the input changes an answer stored before."""

    name: str
    history: bool = False
    changes: bool = False
    context: dict = field(default_factory=dict)


def sent_invitation(brand, channel: str = "email", touchpoint: str = "store-purchase", **contact):
    Touchpoint.objects.filter(account=brand.account, slug=touchpoint).update(channel=channel)
    payload = interaction(
        brand,
        external_id=f"sale-{channel}-{touchpoint}",
        touchpoint=touchpoint,
        contact=contact or {"email": "ana@example.com", "name": "Ana"},
    )
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.errors
    invitation = result.items[0].invitation
    Invitation.objects.filter(pk=invitation.pk).update(state="sent", sent_at=NOW)
    invitation.refresh_from_db()
    return invitation


def basic(brand) -> Client:
    token = base64.b64encode(f"{brand.api_key}:".encode()).decode()
    return Client(headers={"Authorization": f"Basic {token}", "Accept": "application/json"})


# --- The doors ---------------------------------------------------------------------------------


def prepare(door: str, brand, people, tmp_path) -> dict:
    if door in ("survey page", "email click", "changed on the survey page"):
        invitation = sent_invitation(brand)
        if door == "changed on the survey page":
            do_answer_invitation(invitation, score=9, comment="Fine")
        return {"token": survey_token(invitation)}
    if door == "sms reply":
        sms_settings(brand.account)
        return {"invitation": sent_invitation(brand, "sms", phone=PHONE), "sid": _sid()}
    if door == "widget":
        landing = do_create_journey_touchpoints(brand.account)["landing-page"]
        key = do_create_publishable_key(
            account=brand.account,
            name="Shop",
            touchpoint=landing,
            unit=brand.store,
            origins=["https://shop.example.com"],
        )
        return {"key": key.key, "id": secrets.token_hex(8)}
    if door == "in-app":
        Touchpoint.objects.create(account=brand.account, slug="app", name="App", channel="in_app")
        return {"token": survey_token(sent_invitation(brand, "in_app", touchpoint="app"))}
    if door == "kiosk":
        kiosk = do_create_kiosk(
            account=brand.account, unit=brand.store, touchpoint=brand.purchase, name="Till"
        )
        return {"path": kiosk.path, "id": secrets.token_hex(8)}
    if door == "phone interview":
        Touchpoint.objects.create(
            account=brand.account, slug="by-phone", name="By phone", channel="phone"
        )
        invitation = sent_invitation(brand, "phone", touchpoint="by-phone", phone=PHONE)
        client = Client()
        client.force_login(people["north_manager"])
        return {"invitation": invitation, "client": client}
    if door in ("delighted update", "delighted create"):
        person = basic(brand).post(
            "/delighted/v1/people.json",
            json.dumps({"email": "ana@example.com", "send": False}),
            content_type="application/json",
        )
        context = {"person": person.json()["id"]}
        if door == "delighted update":
            created = _delighted_create(brand, context["person"], 9, "Fine")
            context["response"] = created.json()["id"]
        return context
    return {"tmp_path": tmp_path}


def _sid() -> str:
    return "SM" + secrets.token_hex(16)


def _delighted_create(brand, person: str, score: int, comment: str):
    """An answer taken an hour ago, posted with its time (so a retry is the same answer)."""
    taken = int((NOW - dt.timedelta(hours=1)).timestamp())
    return basic(brand).post(
        "/delighted/v1/survey_responses.json",
        json.dumps({"person": person, "score": score, "comment": comment, "created_at": taken}),
        content_type="application/json",
    )


def send(door: str, brand, ctx: dict, comment: str) -> None:
    """Answer 2 with `comment` through the door, as a customer (or their tool) would."""
    client = Client()
    if door in ("survey page", "changed on the survey page"):
        client.post(f"/s/{ctx['token']}", {"score": "2", "comment": comment})
    elif door == "email click":
        page = client.get(f"/s/{ctx['token']}?score=2")  # the score clicked in the email
        assert 'value="2" checked' in page.content.decode()
        client.post(f"/s/{ctx['token']}", {"score": "2", "comment": comment})
    elif door == "sms reply":
        params = {
            "MessageSid": ctx["sid"],
            "AccountSid": ACCOUNT_SID,
            "From": PHONE,
            "To": SENDER,
            "Body": f"2 {comment}",
            "NumMedia": "0",
        }
        hook = "http://testserver/hooks/twilio/sms"
        signature = RequestValidator(AUTH_TOKEN).compute_signature(hook, params)
        client.post("/hooks/twilio/sms", params, headers={"X-Twilio-Signature": signature})
        ctx["sid"] = ctx["sid"] if comment == SAID else _sid()
    elif door == "widget":
        client.post(
            f"/w/v1/{ctx['key']}/responses",
            json.dumps({"score": 2, "comment": comment, "id": ctx["id"]}),
            content_type="application/json",
            headers={"Origin": "https://shop.example.com"},
        )
    elif door == "in-app":
        Client(headers={"Authorization": f"Bearer {brand.api_key}"}).post(
            "/api/v1/in-app/responses",
            {"token": ctx["token"], "score": 2, "comment": comment},
            content_type="application/json",
        )
    elif door == "kiosk":
        client.post(ctx["path"], {"score": "2", "comment": comment, "answer_id": ctx["id"]})
    elif door == "phone interview":
        ctx["client"].post("/interviews/next")
        ctx["client"].post(
            f"/interviews/{ctx['invitation'].pk}/",
            {"outcome": "answered", "score": "2", "comment": comment},
        )
    elif door == "api intake":
        answered = NOW.isoformat()
        Client(headers={"Authorization": f"Bearer {brand.api_key}"}).post(
            "/api/v1/interactions",
            interaction(
                brand,
                occurred_at=answered,
                response={"score": 2, "comment": comment, "answered_at": answered},
            ),
            content_type="application/json",
        )
    elif door == "csv history":
        path = ctx["tmp_path"] / "history.csv"
        path.write_text(
            "external_id,touchpoint,unit,occurred_at,contact_email,score,comment\n"
            f'old-1,store-purchase,store-012,2026-09-01T10:00:00+00:00,ana@example.com,2,"{comment}"\n'
        )
        _quietly(call_command, "import-interactions", str(path), "--no-progress")
    elif door == "delighted history":
        path = ctx["tmp_path"] / "delighted.csv"
        path.write_text(
            "Response ID,Score,Comment,Response Timestamp,Person ID,Name,Email\n"
            f'1001,2,"{comment}",2026-09-01 10:00:00 UTC,501,Ana,ana@example.com\n'
        )
        _quietly(call_command, "import-delighted", str(path), "--no-progress")
    elif door == "delighted create":
        _delighted_create(brand, ctx["person"], 2, comment)
    elif door == "delighted update":
        basic(brand).put(
            f"/delighted/v1/survey_responses/{ctx['response']}.json",
            json.dumps({"score": 2, "comment": comment}),
            content_type="application/json",
        )
    else:
        raise AssertionError(door)


def _quietly(command, *args) -> None:
    """Run an import; a refused file raises CommandError (and changes nothing)."""
    with contextlib.suppress(CommandError):
        command(*args, "--account", "nimbus", stdout=open("/dev/null", "w"))  # noqa: SIM115


DOORS = [
    Door("survey page"),
    Door("email click"),
    Door("sms reply"),
    Door("widget"),
    Door("in-app"),
    Door("kiosk"),
    Door("phone interview"),
    Door("api intake"),
    Door("csv history", history=True),
    Door("delighted history", history=True),
    Door("delighted create"),
    Door("delighted update", changes=True),
    Door("changed on the survey page", changes=True),
]


def state(brand) -> dict:
    fold_rollups()
    totals = [0] * 11
    for row in RollupTotal.objects.filter(unit=brand.brand, grain="day"):
        totals = [a + b for a, b in zip(totals, row.histogram, strict=True)]
    return {
        "answers": sorted(Response.objects.values_list("pk", "score", "comment")),
        "brand histogram": totals,
        "tickets": Ticket.objects.count(),
        "events": list(
            Event.objects.filter(type__startswith="response.")
            .order_by("pk")
            .values_list("type", "subject_id")
        ),
    }


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name)
def test_every_door_has_the_same_consequences(brand, people, twilio, tmp_path, door):
    ctx = prepare(door.name, brand, people, tmp_path)
    before = state(brand)

    send(door.name, brand, ctx, TOO_LONG)
    assert state(brand) == before, "a comment over the limit is refused, nothing is stored"

    send(door.name, brand, ctx, SAID)
    after = state(brand)
    answer = Response.objects.filter(comment=SAID).get()
    assert answer.score == 2
    moved = [
        a - b for a, b in zip(after["brand histogram"], before["brand histogram"], strict=True)
    ]
    if door.changes:
        assert moved == [0, 0, 1, 0, 0, 0, 0, 0, 0, -1, 0]  # 9 became 2
        assert after["events"][len(before["events"]) :] == [("response.updated", answer.pk)]
    else:
        assert moved == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        assert after["events"][len(before["events"]) :] == [("response.created", answer.pk)]
    assert after["tickets"] - before["tickets"] == (0 if door.history else 1)

    send(door.name, brand, ctx, SAID)
    assert state(brand) == after, "the same input a second time changes nothing"
