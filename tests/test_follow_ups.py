"""Follow-up questions after the score: branching by category, server-side checks, no JS."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import interaction
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.models import Response
from touchpoint.surveys.defaults import CANCELLATION_REASONS
from touchpoint.surveys.questions import QuestionError, check_questions
from touchpoint.surveys.tokens import survey_token

QUESTIONS = [
    {
        "key": "best",
        "type": "single_choice",
        "text": {"en": "What did you like most?", "fr": "Qu'avez-vous préféré ?"},
        "options": [{"key": "staff", "label": "The staff"}, {"key": "price", "label": "The price"}],
        "show_to": ["promoter"],
    },
    {**CANCELLATION_REASONS, "show_to": ["detractor", "passive"], "required": True},
    {"key": "speed", "type": "scale", "text": "How fast was it?", "show_to": ["detractor"]},
    {"key": "fix", "type": "text", "text": "What should we fix?", "show_to": ["detractor"]},
]


@pytest.fixture
def token(brand) -> str:
    brand.web.questions = QUESTIONS
    brand.web.full_clean()
    brand.web.save()
    result = record_interactions(
        brand.account, [InteractionIn(**interaction(brand, touchpoint="sign-up"))]
    )
    return survey_token(result.items[0].invitation)


def test_a_detractor_gets_the_detractor_questions_after_the_score(client, token):
    sent = client.post(f"/s/{token}", {"score": "3", "comment": "meh"})
    assert sent.status_code == 302 and sent["Location"] == f"/s/{token}/more"
    page = client.get(f"/s/{token}/more").content.decode()
    assert "Why are you leaving? Choose all that apply." in page
    assert "How fast was it?" in page and "What should we fix?" in page
    assert "What did you like most?" not in page
    done = client.post(
        f"/s/{token}/more", {"reasons": ["price", "other"], "speed": "2", "fix": " Queue "}
    )
    assert done.status_code == 302 and done["Location"] == f"/s/{token}/thanks"
    assert Response.objects.get().answers == {
        "reasons": ["price", "other"],
        "speed": 2,
        "fix": "Queue",
    }


def test_a_promoter_gets_only_the_promoter_question(client, token):
    client.post(f"/s/{token}", {"score": "10"})
    page = client.get(f"/s/{token}/more", headers={"Accept-Language": "fr"}).content.decode()
    assert "What did you like most?" in page  # contact's locale (en) wins over the browser
    client.post(f"/s/{token}/more", {"best": "staff"})
    assert Response.objects.get().answers == {"best": "staff"}


def test_wrong_answers_are_explained_and_nothing_is_stored(client, token):
    client.post(f"/s/{token}", {"score": "5"})
    page = client.post(f"/s/{token}/more", {"reasons": ["aliens"], "speed": "9"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Please check the answers marked below." in html
    assert "Choose among the options shown." in html
    assert "Choose a number from 1 to 5." in html
    assert 'aria-invalid="true"' in html
    required = client.post(f"/s/{token}/more", {"speed": "4"})
    assert "Please answer this question." in required.content.decode()
    assert Response.objects.get().answers == {}


def test_a_touchpoint_without_questions_goes_straight_to_thanks(client, brand):
    result = record_interactions(
        brand.account, [InteractionIn(**interaction(brand, touchpoint="sign-up"))]
    )
    token = survey_token(result.items[0].invitation)
    assert client.post(f"/s/{token}", {"score": "8"})["Location"] == f"/s/{token}/thanks"
    assert client.get(f"/s/{token}/more")["Location"] == f"/s/{token}/thanks"


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ({"key": "x"}, "must be a list"),
        ([{"key": "Bad Key", "type": "text", "text": "?"}], "key must be"),
        ([{"key": "a", "type": "essay", "text": "?"}], "type must be one of"),
        ([{"key": "a", "type": "single_choice", "text": "?"}], "needs options"),
        ([{"key": "a", "type": "text", "text": "?", "show_to": ["fans"]}], "show_to"),
        ([{"key": "a", "type": "text", "text": "?"}] * 2, "used twice"),
    ],
)
def test_a_rule_with_broken_questions_is_refused(questions, message, brand):
    with pytest.raises(QuestionError, match=message):
        check_questions(questions)
    brand.web.questions = questions
    with pytest.raises(ValidationError):
        brand.web.full_clean()


def test_follow_up_answers_read_with_their_question_and_option_labels(client, token, people):
    """The reported case: a follow-up answer showed its internal key ("improve") instead of
    its question. The response page, its ticket and the export show words people read."""
    client.post(f"/s/{token}", {"score": "3"})
    client.post(f"/s/{token}/more", {"reasons": ["price", "other"], "speed": "2", "fix": "Queue"})
    response = Response.objects.get()
    client.force_login(people["north_manager"])
    page = client.get(f"/responses/{response.pk}/").content.decode()
    assert "Why are you leaving? Choose all that apply." in page
    assert "<dd>The price, Something else</dd>" in page
    assert "How fast was it?" in page and "<dd>2 / 5</dd>" in page
    assert "<dt>reasons</dt>" not in page and "<dt>speed</dt>" not in page
    ticket = client.get(f"/tickets/{response.ticket.pk}/").content.decode()
    assert "Why are you leaving? Choose all that apply." in ticket and "<dt>fix</dt>" not in ticket
    exported = b"".join(client.get("/responses/export.csv").streaming_content).decode()
    assert "How fast was it?: 2 / 5" in exported and "What should we fix?: Queue" in exported
