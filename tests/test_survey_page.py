"""The survey page /s/<token>: pre-selected score, why, thanks; updates; friendly dead ends."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tests.conftest import interaction
from touchpoint.accounts.actions import do_create_unit, do_move_unit
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.models import Response
from touchpoint.surveys import delivery
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.tokens import survey_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC), tick=True) as t:
        yield t


@pytest.fixture
def sent(brand, smtp, clock) -> Invitation:
    result = record_interactions(brand.account, [InteractionIn(**interaction(brand))])
    delivery.send_due_invitations()
    invitation = result.items[0].invitation
    invitation.refresh_from_db()
    return invitation


def test_the_page_preselects_the_score_clicked_in_the_email(client, sent):
    page = client.get(f"/s/{survey_token(sent)}?score=9")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="score-9" value="9" checked' in html
    assert html.count('type="radio"') == 11
    assert "How likely are you to recommend Nimbus Mobile to a friend or colleague?" in html
    assert '<label class="why" for="comment">' in html
    assert 'lang="en"' in html
    assets = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert assets and all(a.startswith("/") for a in assets)  # nothing fetched from elsewhere


def test_answering_stores_the_response_with_its_attribution_and_thanks(client, sent, brand):
    page = client.post(f"/s/{survey_token(sent)}", {"score": "4", "comment": " Queue too long "})
    assert page.status_code == 302 and page["Location"] == f"/s/{survey_token(sent)}/thanks"
    response = Response.objects.get()
    assert (response.score, response.comment, response.channel) == (4, "Queue too long", "email")
    assert response.unit == brand.store and response.touchpoint == brand.purchase
    assert response.unit_path == brand.store.path
    assert response.attribution == {
        "store": {"id": brand.store.pk, "code": "store-012", "name": "Lille Centre"},
        "region": {"id": brand.north.pk, "code": "north", "name": "North"},
        "brand": {"id": brand.brand.pk, "code": "nimbus", "name": "Nimbus Mobile"},
    }
    sent.refresh_from_db()
    assert sent.state == "answered"
    assert "Thank you for your answer!" in client.get(page["Location"]).content.decode()


def test_answering_again_updates_the_answer_instead_of_duplicating_it(client, sent):
    client.post(f"/s/{survey_token(sent)}", {"score": "4", "comment": "slow"})
    page = client.get(f"/s/{survey_token(sent)}")
    assert 'value="4" checked' in page.content.decode()
    client.post(f"/s/{survey_token(sent)}", {"score": "8", "comment": "slow, but they fixed it"})
    response = Response.objects.get()
    assert (response.score, response.comment) == (8, "slow, but they fixed it")


@pytest.mark.parametrize("score", ["11", "ten", "-1", "", "4.5", None])
def test_an_invalid_score_is_refused_with_a_message_and_nothing_stored(client, sent, score):
    data = {"comment": "hello"} if score is None else {"score": score, "comment": "hello"}
    page = client.post(f"/s/{survey_token(sent)}", data)
    assert page.status_code == 400
    html = page.content.decode()
    assert "Choose a score from 0 to 10." in html
    assert 'role="alert"' in html
    assert "hello" in html  # the comment typed is kept
    assert Response.objects.count() == 0


def test_unknown_expired_and_unsent_links_get_the_same_friendly_page(client, sent, brand, clock):
    scheduled_later = (
        record_interactions(
            brand.account,
            [
                InteractionIn(
                    **interaction(
                        brand,
                        external_id="r",
                        touchpoint="repair",
                        unit="repair-3",
                        contact={"email": "x@example.com"},
                    )
                )
            ],
        )
        .items[0]
        .invitation
    )
    pages = [
        client.get("/s/not-a-real-token-at-all"),
        client.get(f"/s/{survey_token(scheduled_later)}"),
    ]
    clock.shift(dt.timedelta(days=31))
    pages.append(client.get(f"/s/{survey_token(sent)}"))
    pages.append(client.post(f"/s/{survey_token(sent)}", {"score": "9"}))
    bodies = {p.content.decode() for p in pages}
    assert {p.status_code for p in pages} == {404}
    assert len(bodies) == 1 and "This survey is closed" in bodies.pop()
    assert Response.objects.count() == 0


def test_the_page_speaks_the_contacts_language(client, brand, smtp, clock):
    result = record_interactions(
        brand.account,
        [InteractionIn(**interaction(brand, contact={"email": "h@example.de", "locale": "de"}))],
    )
    delivery.send_due_invitations()
    html = client.get(f"/s/{survey_token(result.items[0].invitation)}").content.decode()
    assert 'lang="de"' in html and "Wie wahrscheinlich ist es" in html


def test_unsubscribe_link_opts_out_after_confirmation_and_closes_the_survey(client, sent):
    page = client.get(f"/u/{survey_token(sent)}")
    assert "Stop all survey invitations from Nimbus Mobile?" in page.content.decode()
    sent.contact.refresh_from_db()
    assert sent.contact.opted_out_at is None  # a GET (e.g. a link scanner) changes nothing
    page = client.post(f"/u/{survey_token(sent)}")
    assert "You will not receive any more surveys" in page.content.decode()
    sent.contact.refresh_from_db()
    assert sent.contact.opted_out_at is not None
    assert client.get(f"/s/{survey_token(sent)}").status_code == 404


def test_one_click_unsubscribe_works_without_a_csrf_token(sent):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    page = strict.post(f"/u/{survey_token(sent)}", {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200
    sent.contact.refresh_from_db()
    assert sent.contact.opted_out_at is not None


def test_answers_keep_their_attribution_when_the_tree_changes(client, sent, brand):
    client.post(f"/s/{survey_token(sent)}", {"score": "10"})
    east = do_create_unit(
        account=brand.account, kind="region", code="east", name="East", parent=brand.brand
    )
    do_move_unit(unit=brand.store, new_parent=east)
    brand.store.refresh_from_db()
    assert brand.store.path == f"{east.path}{brand.store.pk}/"
    response = Response.objects.get()
    assert response.attribution["region"]["code"] == "north"
    assert response.unit_path.startswith(brand.north.path)
    client.post(f"/s/{survey_token(sent)}", {"score": "9"})  # an update keeps the snapshot too
    response.refresh_from_db()
    assert response.attribution["region"]["code"] == "north"


def test_tokens_carry_at_least_128_random_bits(sent):
    import base64

    token = survey_token(sent)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 128
