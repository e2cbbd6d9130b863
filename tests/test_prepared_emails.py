"""Invitation emails rendered once per shape and filled in per message are, byte for byte,
the emails the templates make one by one (but for the MIME boundary and the date)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import pytest
import time_machine

from tests.conftest import interaction
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.outbox.transports import SMTP_BACKEND, EmailTransport, PreparedEmail
from touchpoint.surveys import compose
from touchpoint.surveys.compose import compose_email, prepare_email
from touchpoint.surveys.models import Invitation

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)
BOUNDARY = re.compile(rb"===============\d+==")
DATE = re.compile(rb"^Date: [^\r\n]*\r\n", re.M)


@pytest.fixture(autouse=True)
def smtp_settings(settings):
    settings.EMAIL_BACKEND = SMTP_BACKEND  # nothing is sent: the messages are only rendered
    with time_machine.travel(NOW, tick=False):
        yield


def invitations(brand, contacts: list[dict]) -> list[Invitation]:
    stores = ["store-012", "store-040"]
    items = [
        InteractionIn(
            **interaction(brand, external_id=f"sale-{n}", contact=contact, unit=stores[n % 2])
        )
        for n, contact in enumerate(contacts)
    ]
    result = record_interactions(brand.account, items)
    assert result.ok, result.errors
    return list(
        Invitation.objects.select_related("account", "contact", "touchpoint", "unit").order_by("pk")
    )


def one_by_one(invitation: Invitation, reminder: int = 0) -> bytes:
    prepared = EmailTransport().prepare(compose_email(invitation, reminder=reminder))
    assert isinstance(prepared, PreparedEmail)
    return prepared.data


def same(fast: bytes, slow: bytes) -> None:
    def plain(data: bytes) -> bytes:
        return DATE.sub(b"", BOUNDARY.sub(b"BOUNDARY", data))

    assert plain(fast) == plain(slow)


def test_emails_filled_in_are_the_emails_rendered_one_by_one(brand):
    given = invitations(
        brand,
        [
            {"email": "ana@example.com", "name": "Ana", "locale": "en"},
            {"email": "zoe@example.com", "name": "Zoé Dubois-Martin", "locale": "fr"},
            {"email": "dev@example.com", "name": 'Dev "<b>&</b>" O\'Neil', "locale": "en"},
            {"email": "raj@example.com", "name": "राजेश", "locale": "hi"},
            {"email": "anon@example.com", "locale": "de"},
            {"email": "ben@example.com", "name": "Ben", "locale": "en"},
        ],
    )
    for invitation in given:
        for reminder in (0, 1):
            fast = prepare_email(invitation, reminder=reminder)
            assert isinstance(fast, PreparedEmail)
            assert fast.recipients == [invitation.contact.email]
            same(fast.data, one_by_one(invitation, reminder))
    # Each shape (language, name or none, ASCII or not, reminder or not; not the store) was
    # rendered once and stood in for every message of its shape.
    assert compose._skeletons and all(compose._skeletons.values())
    # The filled-in message parses as the original: the name escaped in the HTML only.
    dev = prepare_email(given[2])
    parsed = email.message_from_bytes(dev.data, policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert 'Dev "<b>&</b>" O\'Neil' in text
    assert "Dev &quot;&lt;b&gt;&amp;&lt;/b&gt;&quot; O&#x27;Neil" in html
    assert given[2].token in text and f"<invitation-{given[2].pk}." in parsed["Message-ID"]
    assert parsed["Date"]


def test_a_name_in_the_subject_is_rendered_in_full(brand):
    touchpoint = brand.account.touchpoints.get(slug="store-purchase")
    touchpoint.wording = {"en": {"subject": "{name}, one question about your visit"}}
    touchpoint.save()
    (invitation,) = invitations(brand, [{"email": "ana@example.com", "name": "Ána"}])
    fast = prepare_email(invitation)
    assert isinstance(fast, PreparedEmail)
    same(fast.data, one_by_one(invitation))
    parsed = email.message_from_bytes(fast.data, policy=email.policy.default)
    assert parsed["Subject"] == "Ána, one question about your visit"


def test_other_mail_backends_get_the_message_itself(brand, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    (invitation,) = invitations(brand, [{"email": "ana@example.com", "name": "Ana"}])
    assert not isinstance(prepare_email(invitation), PreparedEmail)
