"""Closing the loop in the customer's language: the reply, the follow-up email and the
follow-up page speak the language the survey was answered in; a manager's words stay as
written and notices to managers stay in English."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine

from tests.conftest import follow_up_path, interaction, outbound
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.responses.models import Response
from touchpoint.surveys import delivery, wording
from touchpoint.surveys.tokens import survey_token
from touchpoint.tickets import actions
from touchpoint.tickets.models import Ticket, TicketRule

pytestmark = pytest.mark.django_db
CUSTOMER = "ana@example.com"
# English words that are also part of other languages' words ("No" in "Non", "Send" in
# "Senden").
SHARED = {"No", "Send", "{score} out of 10"}


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC), tick=True) as t:
        yield t


def answered(brand, client, *, locale: str, name: str = "Ana") -> Ticket:
    """A detractor who answered the survey page in `locale`: the ticket it opened."""
    contact = {"email": CUSTOMER, "name": name, "locale": locale}
    result = record_interactions(
        brand.account, [InteractionIn(**interaction(brand, contact=contact))]
    )
    assert delivery.send_due_invitations() == 1
    token = survey_token(result.items[0].invitation)
    assert (
        client.post(f"/s/{token}", {"score": "2", "comment": "Rien ne marche"}).status_code == 302
    )
    return Ticket.objects.get(response=Response.objects.get())


def to_customer(smtp) -> list:
    """The ticket emails the customer received (the survey invitation left out)."""
    return [
        m
        for m in smtp.messages
        if m["To"] == CUSTOMER and not m["Message-ID"].startswith("<invitation-")
    ]


def subject(message) -> str:
    """A long encoded subject is folded onto its own line; the parser keeps the fold's space."""
    return message["Subject"].strip()


def words(*parts: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", part) for part in parts)


def english_in(text: str) -> list[str]:
    english = set(wording.TEXTS.values()) - SHARED
    return sorted(m for m in english if m.format_map(wording._Keep()) in text)


LANGUAGES = {
    "fr": {
        "reply_subject": "Re : votre avis sur Nimbus Mobile",
        "dear": "Bonjour Ana,",
        "reply_hint": "Vous pouvez répondre directement à cet e-mail.",
        "follow_up_subject": "Avons-nous réglé le problème ? Nimbus Mobile",
        "question": "Quelle est maintenant la probabilité que vous recommandiez Nimbus Mobile",
        "page": "Maintenant que nous nous en sommes occupés, quelle est la probabilité",
        "error": "Choisissez une note de 0 à 10.",
        "thanks": "Votre réponse aide Nimbus Mobile à corriger ce qui n'allait pas.",
    },
    "de": {
        "reply_subject": "Re: Ihr Feedback an Nimbus Mobile",
        "dear": "Guten Tag Ana,",
        "reply_hint": "Sie können direkt auf diese E-Mail antworten.",
        "follow_up_subject": "Konnten wir es in Ordnung bringen? Nimbus Mobile",
        "question": "Wie wahrscheinlich ist es jetzt, dass Sie Nimbus Mobile",
        "page": "Nachdem wir uns darum gekümmert haben: Wie wahrscheinlich ist es",
        "error": "Wählen Sie eine Bewertung von 0 bis 10.",
        "thanks": "Ihre Antwort hilft Nimbus Mobile, die Dinge in Ordnung zu bringen.",
    },
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reply_and_the_follow_up_speak_the_language_of_the_answer(
    brand, client, people, smtp, clock, lang
):
    expected = LANGUAGES[lang]
    ticket = answered(brand, client, locale=lang)
    manager = people["north_manager"]
    own_words = "Passez au magasin, nous échangeons l'appareil."

    actions.do_reply_to_customer(ticket, actor=manager, text=own_words)
    actions.do_change_state(ticket, actor=manager, state="resolved")
    outbound()

    reply, follow_up = to_customer(smtp)
    assert subject(reply) == expected["reply_subject"]
    assert reply["Content-Language"] == lang
    reply_text = reply.get_body(("plain",)).get_content()
    reply_html = unescape(reply.get_body(("html",)).get_content())
    for body in (reply_text, reply_html):
        assert expected["dear"] in body and expected["reply_hint"] in body
        assert own_words in body  # the manager's words, as written
    assert f'<html lang="{lang}" dir="ltr">' in reply_html

    assert subject(follow_up) == expected["follow_up_subject"]
    assert follow_up["Content-Language"] == lang
    text = follow_up.get_body(("plain",)).get_content()
    html = unescape(follow_up.get_body(("html",)).get_content())
    assert expected["question"] in text and expected["question"] in html
    assert f'<html lang="{lang}" dir="ltr">' in html
    assert english_in(words(reply_text, reply_html, text, html)) == []

    managers = [m for m in smtp.messages if m["To"] == "north-manager@example.com"]
    assert managers and all("ticket #" in m["Subject"] for m in managers)  # staff: English

    ticket.refresh_from_db()
    url = follow_up_path(ticket)
    page = unescape(client.get(f"{url}?score=8").content.decode())
    assert f'<html lang="{lang}" dir="ltr">' in page
    assert expected["page"] in page
    refused = client.post(url, {"answer": "11"})
    assert refused.status_code == 400
    refused_page = unescape(refused.content.decode())
    assert expected["error"] in refused_page
    thanks = unescape(client.post(url, {"answer": "8"}).content.decode())
    assert f'<html lang="{lang}" dir="ltr">' in thanks and expected["thanks"] in thanks
    assert english_in(words(page, refused_page, thanks)) == []


def test_the_yes_no_follow_up_and_a_nameless_customer_are_translated_too(
    brand, client, people, smtp, clock
):
    TicketRule.objects.create(touchpoint=brand.purchase, follow_up=TicketRule.FollowUp.SOLVED)
    ticket = answered(brand, client, locale="de", name="")

    actions.do_change_state(ticket, actor=people["north_manager"], state="resolved")
    outbound()

    [follow_up] = to_customer(smtp)
    text = follow_up.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == "Guten Tag,"  # no name, no dangling "Guten Tag ,"
    assert "Konnten wir es lösen?" in text
    assert "Ja: http" in text and "Nein: http" in text
    ticket.refresh_from_db()
    url = follow_up_path(ticket)
    page = client.get(url).content.decode()
    assert "Haben wir Ihr Problem gelöst?" in page
    assert '<label for="answer-yes">Ja</label>' in page and ">Senden</button>" in page
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Wählen Sie Ja oder Nein." in refused.content.decode()


def test_the_loop_keeps_the_language_the_survey_was_answered_in(brand, client, people, clock):
    ticket = answered(brand, client, locale="fr")
    ticket.contact.locale = "de"  # a later import changes the contact's locale
    ticket.contact.save()
    actions.do_change_state(ticket, actor=people["north_manager"], state="resolved")

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert actions.customer_texts(ticket)[0] == "fr"
    page = client.get(follow_up_path(ticket)).content.decode()
    assert '<html lang="fr" dir="ltr">' in page


def test_an_english_customer_still_reads_english(brand, client, people, smtp, clock):
    ticket = answered(brand, client, locale="en")
    actions.do_change_state(ticket, actor=people["north_manager"], state="resolved")
    outbound()

    [follow_up] = to_customer(smtp)
    assert subject(follow_up) == "Did we put it right? Nimbus Mobile"
    text = follow_up.get_body(("plain",)).get_content()
    assert text.splitlines()[0] == "Dear Ana,"
    assert "How likely are you now to recommend Nimbus Mobile to a friend or colleague?" in text
