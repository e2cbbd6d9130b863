"""The demo shows the SMS, phone-interview and kiosk channels to a newcomer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from touchpoint.accounts.models import Account
from touchpoint.demo.seed import seed_demo
from touchpoint.demo.seed.channels import KIOSK_NAME
from touchpoint.interviews.actions import do_claim_next_call, due_calls
from touchpoint.kiosks.actions import do_new_kiosk_link
from touchpoint.kiosks.models import Kiosk
from touchpoint.outbox.models import CapturedSms
from touchpoint.sms.models import InboundSms
from touchpoint.surveys import delivery
from touchpoint.surveys.models import Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> Account:
    seed_demo(interactions=200)
    return Account.objects.get(slug="demo")


def test_phone_calls_are_due_for_the_london_manager(demo):
    from django.utils import timezone

    manager = get_user_model().objects.get(username="london-manager")
    assert due_calls(manager, now=timezone.now()).count() == 5
    call = do_claim_next_call(manager)
    assert call.contact.name == "Margaret Hill"  # the one waiting longest
    oxford = get_user_model().objects.get(username="oxford-street")
    assert due_calls(oxford, now=timezone.now()).count() == 1  # Tom Walsh; Margaret is held


def test_sms_surveys_land_in_the_dev_outbox_without_credentials(demo, settings):
    settings.DEV_OUTBOX = True
    assert delivery.send_due_invitations() >= 2
    texts = {sms.to: sms for sms in CapturedSms.objects.all()}
    assert set(texts) == {"+447700900106", "+33639980102"}
    assert "Reply with a number from 0 to 10" in texts["+447700900106"].body
    assert texts["+33639980102"].segments <= 2
    # Replying from the outbox goes through the same action as Twilio's webhook.
    settings.DEV_OUTBOX = True
    operator = Client()
    operator.force_login(get_user_model().objects.create_user("op", is_staff=True))
    page = operator.post(f"/dev/outbox/sms/{texts['+447700900106'].pk}/", {"body": "9 quick fix"})
    assert "Score recorded" in page.content.decode()
    answered = Invitation.objects.get(contact__phone="+447700900106")
    assert (answered.state, answered.response.score, answered.response.comment) == (
        "answered",
        9,
        "quick fix",
    )
    assert InboundSms.objects.get().outcome == "answered"


def test_the_oxford_street_kiosk_works_with_a_fresh_link(demo):
    kiosk = Kiosk.objects.get(account=demo, name=KIOSK_NAME)
    assert kiosk.unit.code == "store-001"
    link = do_new_kiosk_link(kiosk=kiosk).path
    assert Client().get(link).status_code == 200


def test_seeding_twice_adds_nothing(demo):
    before = Invitation.objects.count(), Kiosk.objects.count()
    seed_demo(interactions=200)
    assert (Invitation.objects.count(), Kiosk.objects.count()) == before
