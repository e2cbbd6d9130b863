"""One person, four channels: once surveyed by email, Ana is not surveyed again within the
quarantine by SMS, by the website widget or in the app; after it, she is."""

# ruff: noqa: F401, F811 (fixtures imported from the channel test modules)
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.conftest import interaction
from tests.test_in_app import decide, in_app
from tests.test_widget import post, shop, widget
from touchpoint.surveys.models import Invitation, Touchpoint

pytestmark = pytest.mark.django_db
DAY0 = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
ANA = {"email": "ana@example.com", "phone": "+447700900123", "external_id": "user-7"}


def test_the_quarantine_holds_for_one_person_across_email_sms_widget_and_in_app(
    brand, api, widget, shop, in_app
):
    Touchpoint.objects.create(
        account=brand.account, slug="purchase-sms", name="Purchase (SMS)", channel="sms"
    )
    with time_machine.travel(DAY0, tick=False):
        first = api.post(
            "/api/v1/interactions",
            interaction(brand, occurred_at=DAY0.isoformat(), contact={**ANA, "name": "Ana"}),
            content_type="application/json",
        )
        assert first.json()["interactions"][0]["invitation"]["state"] == "scheduled"

    with time_machine.travel(DAY0 + dt.timedelta(days=2), tick=False):
        by_sms = api.post(
            "/api/v1/interactions",
            interaction(
                brand,
                external_id="sale-2",
                touchpoint="purchase-sms",
                occurred_at=(DAY0 + dt.timedelta(days=2)).isoformat(),
                contact={"phone": ANA["phone"]},
            ),
            content_type="application/json",
        ).json()["interactions"][0]["invitation"]
        assert (by_sms["state"], by_sms["reason"]) == ("suppressed", "quarantine")

    with time_machine.travel(DAY0 + dt.timedelta(days=3), tick=False):
        on_site = post(shop, widget, "impressions", {"contact": {"email": ANA["email"]}}).json()
        assert on_site == {"ask": False, "reason": "quarantine", "token": None}

    with time_machine.travel(DAY0 + dt.timedelta(days=4), tick=False):
        in_the_app = decide(api, contact={"external_id": ANA["external_id"]}).json()
        assert (in_the_app["survey"], in_the_app["reason"]) == (False, "quarantine")

    with time_machine.travel(DAY0 + dt.timedelta(days=95), tick=False):  # past 90 days
        assert decide(api, contact={"external_id": ANA["external_id"]}).json()["survey"] is True

    people = {i.contact_id for i in Invitation.objects.all()}
    assert len(people) == 1  # every channel found the same person
    assert Invitation.objects.filter(reason="quarantine").count() == 3
