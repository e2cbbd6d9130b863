"""Targets: set per unit or per kind of unit, by API or on the admins' page; dashboards show
how likely the unit truly is at or above it and how many more answers would tell."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.targets.actions import TargetError, do_set_target, target_for
from touchpoint.targets.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def saturday_21_november():
    with time_machine.travel("2026-11-21T12:00:00Z", tick=False):
        yield


def test_the_api_sets_reads_and_removes_targets(api, brand):
    put = api.put("/api/v1/targets", {"kind": "store", "nps": 40}, content_type="application/json")
    assert put.status_code == 200 and put.json()["kind"] == "store"
    put = api.put(
        "/api/v1/targets", {"unit": "store-012", "nps": 55}, content_type="application/json"
    )
    assert put.status_code == 200 and put.json() == {**put.json(), "unit": "store-012", "nps": 55}
    assert target_for(brand.store).nps == 55  # its own wins over its kind's
    assert target_for(brand.other_store).nps == 40
    listed = api.get("/api/v1/targets").json()["targets"]
    assert {(t["unit"], t["kind"], t["nps"]) for t in listed} == {
        (None, "store", 40),
        ("store-012", None, 55),
    }
    assert api.delete("/api/v1/targets?unit=store-012").status_code == 204
    assert target_for(brand.store).nps == 40
    assert api.delete("/api/v1/targets?unit=store-012").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "store", "nps": 101}, 422, "nps"),
        ({"kind": "shop", "nps": 10}, 422, "kind"),
        ({"unit": "store-012", "kind": "store", "nps": 10}, 422, "unit"),
        ({"nps": 10}, 422, "unit"),
        ({"unit": "store-999", "nps": 10}, 404, "unit"),
    ],
)
def test_bad_targets_are_refused_naming_the_field_and_change_nothing(
    api, brand, body, status, field
):
    answered = api.put("/api/v1/targets", body, content_type="application/json")
    assert answered.status_code == status
    detail = answered.json()["detail"]
    assert any(d["field"].split(".")[-1] == field for d in detail), detail
    assert not Target.objects.exists()


def test_a_key_limited_to_a_unit_sets_targets_in_its_subtree_only(brand, outsider):
    key = do_create_api_key(account=brand.account, name="north", unit=brand.north).secret
    north = Client(headers={"Authorization": f"Bearer {key}"})
    ok = north.put(
        "/api/v1/targets", {"unit": "store-012", "nps": 30}, content_type="application/json"
    )
    assert ok.status_code == 200
    for body in ({"unit": "store-040", "nps": 30}, {"kind": "store", "nps": 30}):
        refused = north.put("/api/v1/targets", body, content_type="application/json")
        assert refused.status_code == 404
    assert Target.objects.count() == 1


def test_targets_must_be_whole_numbers_on_the_scale():
    for bad in ("abc", "", 1.5, True, -101, "101"):
        with pytest.raises(TargetError) as error:
            do_set_target(account=None, kind="store", nps=bad)  # type: ignore[arg-type]
        assert error.value.field == "nps"


def test_an_admin_sets_targets_on_the_page_and_others_cannot(brand, people):
    client = Client()
    client.force_login(people["brand_admin"])
    assert client.get("/targets/").status_code == 200
    client.post("/targets/", {"kind": "store", "nps": "35"})
    client.post("/targets/", {"unit": "north", "nps": "\u221210"})  # a typed minus sign
    assert target_for(brand.other_store).nps == 35 and target_for(brand.north).nps == -10
    refused = client.post("/targets/", {"kind": "store", "nps": "200"}, follow=True)
    assert "Target NPS: must be a whole number from -100 to 100" in refused.content.decode()
    assert target_for(brand.other_store).nps == 35
    client.force_login(people["north_manager"])
    assert client.get("/targets/").status_code == 404
    assert client.post("/targets/", {"kind": "store", "nps": "0"}).status_code == 404
    assert "/targets/" not in client.get("/tickets/").content.decode()  # not in their menu


def test_the_dashboard_shows_how_likely_the_unit_is_at_its_target(brand, people):
    """Lille, busy and well above +20, surely meets it; Nice, with three answers and a target
    of its own right where its peers' answers put it, cannot tell yet."""
    do_set_target(account=brand.account, kind="store", nps=20)
    do_set_target(account=brand.account, unit=brand.other_store, nps=50)
    for n, score in enumerate([10] * 60 + [8] * 20 + [3] * 10):
        answer(brand, brand.store, score, n=n)
    for n, score in enumerate([9, 6, 7]):
        answer(brand, brand.other_store, score, n=100 + n)
    client = Client()
    client.force_login(people["brand_admin"])
    busy = client.get(f"/units/{brand.store.pk}/").content.decode()
    assert "Target +20" in busy and "likely at or above it" in busy
    assert "100 % likely at or above it" in busy or "99 % likely at or above it" in busy
    quiet = client.get(f"/units/{brand.other_store.pk}/").content.decode()
    assert "Target +50" in quiet and "not yet known" in quiet
    assert "more answers (in the same mix) would tell" in quiet
