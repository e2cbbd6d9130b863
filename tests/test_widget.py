"""The website widget's public endpoints: keys, origins, preflight, rate limit, input, rules."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from touchpoint.ratelimits.actions import prune as prune_rate_counters
from touchpoint.ratelimits.actions import take as check_rate
from touchpoint.ratelimits.models import RateCounter
from touchpoint.responses.models import Response
from touchpoint.surveys.defaults import do_create_journey_touchpoints
from touchpoint.surveys.models import Interaction, Invitation
from touchpoint.widget.actions import do_create_publishable_key, do_revoke_publishable_key

SHOP = "https://shop.example.com"
STATIC = Path(__file__).resolve().parent.parent / "touchpoint/widget/static/touchpoint"


@pytest.fixture
def widget(brand):
    touchpoints = do_create_journey_touchpoints(brand.account)
    landing = touchpoints["landing-page"]
    return do_create_publishable_key(
        account=brand.account,
        name="Shop",
        touchpoint=landing,
        unit=brand.store,
        origins=[SHOP, "http://localhost:3000/"],
    )


@pytest.fixture
def shop() -> Client:
    return Client(headers={"Origin": SHOP})


def post(client: Client, key, path: str, body) -> object:
    return client.post(
        f"/w/v1/{key.key}/{path}",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


def test_the_script_is_small_and_needs_nothing_unsafe():
    script = (STATIC / "widget.js").read_text()
    style = (STATIC / "widget.css").read_text()
    assert len(gzip.compress(script.encode(), 9)) + len(gzip.compress(style.encode(), 9)) < 15_000
    for unsafe in ("eval(", "new Function", "document.cookie", "innerHTML", ".style.", "style="):
        assert unsafe not in script, unsafe
    assert "prefers-reduced-motion" in style


def test_config_gives_the_rules_and_words_in_the_visitors_language(widget, shop):
    response = shop.get(f"/w/v1/{widget.key}/config?lang=fr-FR")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response["Vary"]
    assert not response.cookies
    body = response.json()
    assert body["touchpoint"] == "landing-page"
    assert body["rules"] == {"delay_seconds": 20, "min_page_views": 2, "url_patterns": []}
    assert body["lang"] == "fr"
    assert body["texts"]["question"].startswith("Quelle est la probabilité")
    assert body["texts"]["close"] == "Fermer"


def test_preflight_is_answered_for_an_allowed_origin_only(widget, shop):
    preflight = shop.options(
        f"/w/v1/{widget.key}/responses",
        headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type"
    elsewhere = Client(headers={"Origin": "https://evil.example"}).options(
        f"/w/v1/{widget.key}/responses", headers={"Access-Control-Request-Method": "POST"}
    )
    assert elsewhere.status_code == 403
    assert "Access-Control-Allow-Origin" not in elsewhere


def test_an_anonymous_answer_is_stored_for_the_keys_touchpoint_and_unit(widget, shop):
    assert post(shop, widget, "impressions", {"url": f"{SHOP}/"}).json() == {
        "ask": True,
        "reason": "",
        "token": None,
    }
    response = post(shop, widget, "responses", {"score": 9, "comment": " Nice ", "lang": "de"})
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == SHOP
    stored = Response.objects.get()
    assert (stored.score, stored.comment, stored.channel, stored.locale) == (
        9,
        "Nice",
        "widget",
        "de",
    )
    assert stored.touchpoint.slug == "landing-page"
    assert stored.contact is None and stored.invitation is None
    assert stored.attribution["store"]["code"] == "store-012"


def test_wrong_origin_unknown_and_revoked_keys_store_nothing(widget, shop):
    evil = Client(headers={"Origin": "https://evil.example"})
    assert post(evil, widget, "responses", {"score": 9}).status_code == 403
    assert post(Client(), widget, "responses", {"score": 9}).status_code == 403  # no Origin
    unknown = shop.post("/w/v1/tpp_nope/responses", "{}", content_type="application/json")
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "unknown_key"
    do_revoke_publishable_key(key=widget)
    revoked = post(shop, widget, "responses", {"score": 9})
    assert revoked.status_code == 401
    assert shop.get(f"/w/v1/{widget.key}/config").status_code == 401
    assert Response.objects.count() == 0
    assert RateCounter.objects.count() == 0  # refused before counting


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, None),
        ({"score": 11}, 422, "score"),
        ({"score": "9"}, 422, "score"),
        ({}, 422, "score"),
        ({"score": 5, "colour": "red"}, 422, "colour"),
        ({"score": 5, "touchpoint": "store-purchase"}, 422, "touchpoint"),
        ({"score": 5, "token": "made-up"}, 422, "token"),
    ],
)
def test_bad_input_is_refused_with_the_field_at_fault(widget, shop, body, status, field):
    response = post(shop, widget, "responses", body)
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == SHOP  # the widget can read why
    if field:
        assert [d["field"] for d in response.json()["detail"]] == [field]
    assert Response.objects.count() == 0


def test_a_flood_gets_429_and_the_limit_is_per_key_and_address(widget, shop, settings):
    settings.WIDGET_RATE_LIMIT = 3
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        codes = [post(shop, widget, "responses", {"score": 8}).status_code for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        limited = post(shop, widget, "responses", {"score": 8})
        assert limited.json()["error"] == "rate_limited"
        assert limited["Retry-After"] == "55"
        other = Client(headers={"Origin": SHOP}, REMOTE_ADDR="10.1.2.3")
        assert post(other, widget, "responses", {"score": 8}).status_code == 201
    assert Response.objects.count() == 4
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 1, 1, tzinfo=dt.UTC), tick=False):
        assert post(shop, widget, "responses", {"score": 8}).status_code == 201
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        assert prune_rate_counters() >= 1
        assert RateCounter.objects.count() == 0


def test_the_rate_counter_is_shared_through_the_database(db):
    # Two "processes" share nothing but the table: the count carries over.
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        assert check_rate("b", limit=2) == (True, 60)
        assert check_rate("b", limit=2)[0]
        assert not check_rate("b", limit=2)[0]
        assert RateCounter.objects.get().hits == 3


def test_an_identified_visitor_is_asked_once_within_the_quarantine(widget, shop, brand):
    visitor = {"email": "ana@example.com", "name": "Ana", "locale": "es"}
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        first = post(shop, widget, "impressions", {"contact": visitor, "url": f"{SHOP}/x"})
        assert first.status_code == 201
        assert first.json()["ask"] is True
        token = first.json()["token"]
        answer = post(shop, widget, "responses", {"token": token, "score": 4, "comment": "Slow"})
        assert answer.status_code == 201
        again = post(shop, widget, "responses", {"token": token, "score": 6})
        assert again.status_code == 200  # changing one's answer, not a second one
    response = Response.objects.get()
    assert (response.score, response.contact.email) == (6, "ana@example.com")
    assert Interaction.objects.get().properties == {"page": f"{SHOP}/x"}
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=dt.UTC), tick=False):
        second = post(shop, widget, "impressions", {"contact": visitor}).json()
        assert second == {"ask": False, "reason": "quarantine", "token": None}
    with time_machine.travel(dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        assert post(shop, widget, "impressions", {"contact": visitor}).json()["ask"] is True


def test_an_email_survey_quarantines_the_widget_too(widget, shop, brand, api):
    from tests.conftest import interaction

    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC), tick=False):
        assert (
            api.post(
                "/api/v1/interactions", interaction(brand), content_type="application/json"
            ).status_code
            == 201
        )
        decision = post(shop, widget, "impressions", {"contact": {"email": "ana@example.com"}})
    assert decision.json()["reason"] == "quarantine"
    assert Invitation.objects.filter(channel="widget", reason="quarantine").count() == 1


def test_an_opted_out_visitor_is_not_asked(widget, shop, brand):
    brand.account.contacts.create(email="out@example.com", opted_out_at=dt.datetime.now(dt.UTC))
    decision = post(shop, widget, "impressions", {"contact": {"email": "out@example.com"}})
    assert decision.json() == {"ask": False, "reason": "opted_out", "token": None}


def test_a_switched_off_touchpoint_keeps_the_widget_quiet(widget, shop):
    widget.touchpoint.is_active = False
    widget.touchpoint.save()
    assert shop.get(f"/w/v1/{widget.key}/config").json()["active"] is False
    assert post(shop, widget, "impressions", {}).json()["ask"] is False


def test_the_demo_shop_page_is_there_in_debug_only(widget, client, settings):
    settings.DEBUG, settings.DEV_OUTBOX = False, False
    assert client.get("/demo/shop/").status_code == 404
    settings.DEBUG = True
    widget.name = "Demo shop"
    widget.save()
    page = client.get("/demo/shop/").content.decode()
    assert f'data-key="{widget.key}"' in page
    assert "widget.js" in page


def test_a_key_is_created_from_the_command_line(widget, brand, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from touchpoint.widget.models import PublishableKey

    call_command(
        "create-publishable-key", "nimbus", "--unit", "store-012", "--origin", "https://a.example"
    )
    key = PublishableKey.objects.get(key=capsys.readouterr().out.strip())
    assert key.key.startswith("tpp_") and key.origins == {"https://a.example"}
    with pytest.raises(CommandError, match="widget touchpoint"):
        call_command(
            "create-publishable-key",
            "nimbus",
            "--touchpoint",
            "repair",
            "--unit",
            "store-012",
            "--origin",
            "https://a.example",
        )


def test_a_same_origin_page_without_an_origin_header_is_recognised(widget, client):
    # Browsers send no Origin on a same-origin GET; Sec-Fetch-Site tells it is one.
    widget.allowed_origins = "http://testserver"
    widget.save()
    response = client.get(f"/w/v1/{widget.key}/config", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert client.get(f"/w/v1/{widget.key}/config").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_count_every_hit_exactly_once():
    """Separate connections racing on the first hit of a window and on the increments."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    start = threading.Barrier(4)
    allowed: list[bool] = []

    def work():
        start.wait()
        for _ in range(10):
            allowed.append(check_rate("race", limit=25)[0])
        connections.close_all()

    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, 1, tzinfo=dt.UTC), tick=False):
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert RateCounter.objects.get(bucket="race").hits == 40
    assert allowed.count(True) == 25


def test_behind_a_proxy_the_limit_is_per_visitor_not_per_proxy(widget, shop, settings):
    settings.WIDGET_RATE_LIMIT, settings.TRUSTED_PROXIES = 1, 1

    def from_visitor(address: str, claimed: str = ""):
        chain = f"{claimed}, {address}" if claimed else address
        return shop.post(
            f"/w/v1/{widget.key}/responses",
            json.dumps({"score": 7}),
            content_type="application/json",
            headers={"X-Forwarded-For": chain},
        ).status_code

    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, 1, tzinfo=dt.UTC), tick=False):
        assert from_visitor("203.0.113.5") == 201
        assert from_visitor("203.0.113.6") == 201  # another visitor, same proxy
        assert from_visitor("203.0.113.5") == 429
        assert from_visitor("203.0.113.5", claimed="198.51.100.1") == 429  # a forged entry


def test_a_key_needs_real_origins_and_a_widget_touchpoint(widget, brand):
    from django.core.exceptions import ValidationError

    widget.allowed_origins = "https://shop.example.com/checkout"
    with pytest.raises(ValidationError, match="not an origin"):
        widget.full_clean()
    widget.allowed_origins = "https://shop.example.com"
    widget.touchpoint = brand.repair
    with pytest.raises(ValidationError, match="channel is the widget"):
        widget.full_clean()


def test_a_new_account_in_the_admin_gets_the_journey_touchpoints(admin_client):
    from touchpoint.accounts.models import Account

    admin_client.post(
        "/admin/accounts/account/add/",
        {
            "name": "Fresh Co",
            "slug": "fresh",
            "time_zone": "UTC",
            "default_locale": "en",
            "quarantine_days": 90,
        },
    )
    fresh = Account.objects.get(slug="fresh")
    slugs = set(fresh.touchpoints.values_list("slug", flat=True))
    assert {"landing-page", "sign-up", "store-purchase", "support-call", "repair"} <= slugs
    assert {"contact-change", "cancellation"} <= slugs
    cancellation = fresh.touchpoints.get(slug="cancellation")
    assert cancellation.questions[0]["key"] == "reasons"
