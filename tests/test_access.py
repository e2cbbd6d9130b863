"""Each person sees their unit and what is below it, in their account, and nothing else."""

from __future__ import annotations

import pytest
import time_machine
from django.http import Http404

from tests.conftest import answer
from touchpoint.accounts.access import access_unit, scoped_units, top_units
from touchpoint.accounts.models import Membership, Unit

pytestmark = pytest.mark.django_db


def codes(user) -> set[str]:
    return set(scoped_units(user).values_list("code", flat=True))


def test_each_persona_sees_exactly_their_subtree(brand, people):
    everyone = set(Unit.objects.filter(account=brand.account).values_list("code", flat=True))
    assert codes(people["brand_admin"]) == everyone
    assert codes(people["north_manager"]) == {"north", "store-012"}
    assert codes(people["south_store_manager"]) == {"store-040"}
    assert codes(people["vendor_manager"]) == {"callco", "callco-t1", "agent-431"}
    assert codes(people["agent"]) == {"agent-431"}
    assert codes(people["outsider"]) == {"nimbus"}  # their own brand, same code, other account
    assert scoped_units(people["outsider"]).get().account != brand.account


@pytest.mark.parametrize(
    ("persona", "unit", "visible"),
    [
        ("north_manager", "store", True),
        ("north_manager", "other_store", False),  # a sibling region's store
        ("south_store_manager", "store", False),
        ("south_store_manager", "north", False),  # not upwards either
        ("agent", "team", False),
        ("vendor_manager", "agent", True),
        ("outsider", "brand", False),
    ],
)
def test_a_unit_outside_scope_is_a_404(brand, people, persona, unit, visible):
    target = getattr(brand, unit)
    if visible:
        assert access_unit(people[persona], target.pk) == target
    else:
        with pytest.raises(Http404):
            access_unit(people[persona], target.pk)


def test_nested_memberships_count_once(brand, people):
    user = people["north_manager"]
    Membership.objects.create(user=user, unit=brand.store, role="viewer")
    Membership.objects.create(user=user, unit=brand.repair_centre, role="viewer")
    assert [u.code for u in top_units(user)] == ["north", "repair-3"]


@time_machine.travel("2026-11-21T00:00:00Z")
def test_the_home_page_shows_each_person_only_their_answers(client, brand, people):
    answer(brand, brand.store, 10, "Lille was great")
    answer(brand, brand.other_store, 0, "Nice was awful")
    client.force_login(people["north_manager"])
    html = client.get("/").content.decode()
    assert "North · region" in html and "Lille was great" in html
    assert "Nice was awful" not in html and "n = 1" in html
    client.force_login(people["outsider"])
    html = client.get("/").content.decode()
    assert "Lille was great" not in html and "Nice was awful" not in html


def test_signing_in_and_out(client, people):
    page = client.post("/login/", {"username": "north-manager", "password": "wrong"})
    assert "Wrong user name or password" in page.content.decode()
    page = client.post("/login/", {"username": "north-manager", "password": "pw"})
    assert page.status_code == 302 and page["Location"] == "/"
    assert "Signed in as north-manager" in client.get("/").content.decode()
    client.post("/logout/")
    assert "Sign in" in client.get("/").content.decode()


@time_machine.travel("2026-11-21T00:00:00Z")
def test_the_leaderboard_ranks_child_units_fairly_within_scope(client, brand, people):
    from touchpoint.accounts.actions import do_create_unit

    tiny = do_create_unit(
        account=brand.account, kind="store", code="store-099", name="Tiny Kiosk", parent=brand.north
    )
    for n, score in enumerate([10] * 30 + [8] * 10 + [3] * 5):  # busy: NPS +56, n = 45
        answer(brand, brand.store, score, n=n)
    for n in range(3):  # three promoters, nothing else
        answer(brand, tiny, 10, n=n)
    mid = do_create_unit(
        account=brand.account,
        kind="store",
        code="store-098",
        name="Roubaix Mall",
        parent=brand.north,
    )
    for n, score in enumerate([10] * 20 + [7] * 20 + [2] * 10):  # NPS +20, n = 50
        answer(brand, mid, score, n=n)
    answer(brand, brand.other_store, 10)  # another region: never listed for north
    client.force_login(people["north_manager"])
    html = client.get("/").content.decode()
    board = html.split("Units below, ranked")[1].split("</table>")[0]
    assert board.index("Lille Centre") < board.index("Tiny Kiosk") < board.index("Roubaix Mall")
    assert "few answers" in board.split("Tiny Kiosk")[1].split("</tr>")[0]
    assert "Nice Port" not in board


@time_machine.travel("2026-11-21T00:00:00Z")
def test_a_unit_page_drills_down_within_scope_and_climbs_no_higher(client, brand, people):
    answer(brand, brand.store, 9, "Quick checkout")
    answer(brand, brand.other_store, 2, "Nice was awful")
    client.force_login(people["north_manager"])
    home = client.get("/").content.decode()
    assert f'href="/units/{brand.store.pk}/?period=3m"' in home  # links down, same filters
    page = client.get(f"/units/{brand.store.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    crumbs = html.split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert "North" in crumbs and "Nimbus Mobile" not in crumbs  # not above their own unit
    assert "Quick checkout" in html and "Nice was awful" not in html
    assert "Trend by month" in html and "November 2026 (1\u201321)" in html  # one answer: months
    for unit in (brand.other_store, brand.brand, brand.agent):
        assert client.get(f"/units/{unit.pk}/").status_code == 404
    client.force_login(people["outsider"])
    assert client.get(f"/units/{brand.store.pk}/").status_code == 404


def test_a_unit_page_asks_to_sign_in(client, brand):
    page = client.get(f"/units/{brand.store.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")
