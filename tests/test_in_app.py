"""In-app surveys: "should I survey this contact now?" and the answer, on the shared rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from touchpoint.responses.models import Response
from touchpoint.surveys.defaults import CANCELLATION_REASONS
from touchpoint.surveys.models import Touchpoint

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)


@pytest.fixture
def in_app(brand) -> Touchpoint:
    return Touchpoint.objects.create(
        account=brand.account,
        slug="app-cancel",
        name="Cancellation in the app",
        kind="cancellation",
        channel="in_app",
        questions=[CANCELLATION_REASONS],
    )


def decide(api, **overrides):
    body = {
        "touchpoint": "app-cancel",
        "unit": "nimbus",
        "contact": {"external_id": "user-7", "locale": "fr"},
    }
    body.update(overrides)
    return api.post("/api/v1/in-app/decisions", body, content_type="application/json")


def test_yes_with_a_token_then_the_answer_with_follow_ups(api, in_app):
    with time_machine.travel(NOW, tick=False):
        decision = decide(api)
    assert decision.status_code == 201
    body = decision.json()
    assert body["survey"] is True and body["reason"] == ""
    assert body["lang"] == "fr"
    assert body["texts"]["question"].startswith("Quelle est la probabilité")
    assert body["questions"][0]["key"] == "reasons"
    assert body["questions"][0]["options"][0] == {"key": "price", "label": "Le prix"}
    answer = api.post(
        "/api/v1/in-app/responses",
        {"token": body["token"], "score": 3, "answers": {"reasons": ["moving", "price"]}},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["category"] == "detractor"
    stored = Response.objects.get()
    assert (stored.channel, stored.answers) == ("in_app", {"reasons": ["price", "moving"]})


def test_no_with_the_reason(api, brand, in_app):
    with time_machine.travel(NOW, tick=False):
        assert decide(api).json()["survey"] is True
        in_app.quarantine_days = None  # the account's 90 days
        in_app.save()
        again = decide(api).json()
    assert (again["survey"], again["reason"], again["token"]) == (False, "quarantine", None)

    brand.account.contacts.create(external_id="user-8", opted_out_at=NOW)
    assert decide(api, contact={"external_id": "user-8"}).json()["reason"] == "opted_out"

    in_app.sampling_rate = 0
    in_app.save()
    assert decide(api, contact={"external_id": "user-9"}).json()["reason"] == "sampled_out"

    in_app.is_active = False
    in_app.save()
    assert decide(api, contact={"external_id": "user-10"}).json()["reason"] == "touchpoint_inactive"


def test_the_same_external_id_repeats_the_decision(api, in_app):
    first = decide(api, external_id="session-1").json()
    second = decide(api, external_id="session-1").json()
    assert second["token"] == first["token"]


def test_bad_requests_name_the_field(api, brand, in_app, outsider):
    email_touchpoint = decide(api, touchpoint="store-purchase")
    assert email_touchpoint.status_code == 422
    assert email_touchpoint.json()["detail"][0]["field"] == "touchpoint"
    assert "in-app" in email_touchpoint.json()["detail"][0]["message"]
    assert decide(api, unit="nowhere").json()["detail"][0]["field"] == "unit"
    no_contact = decide(api, contact={"name": "Nobody"})
    assert no_contact.status_code == 422
    token = decide(api).json()["token"]
    wrong = api.post(
        "/api/v1/in-app/responses",
        {"token": token, "score": 2, "answers": {"reasons": ["aliens"]}},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"] == [
        {"field": "answers.reasons", "message": "Choisissez parmi les options proposées."}
    ]
    assert (
        api.post(
            "/api/v1/in-app/responses",
            {"token": "unknown", "score": 2},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert Response.objects.count() == 0


def test_another_accounts_key_cannot_answer(api, client, in_app, outsider):
    from touchpoint.accounts.actions import do_create_api_key

    token = decide(api).json()["token"]
    other = do_create_api_key(account=outsider, name="other").secret
    response = client.post(
        "/api/v1/in-app/responses",
        {"token": token, "score": 10},
        content_type="application/json",
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 404
    assert (
        client.post("/api/v1/in-app/decisions", {}, content_type="application/json").status_code
        == 401
    )
