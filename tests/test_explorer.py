"""The response explorer and its exports: who sees which answers, filters, search, the full
response page, and CSV / XLSX content (streamed, formula-safe, scoped like the page)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import time_machine
from django.test import Client

from tests.conftest import answer

NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def answers(brand):
    """Answers across the tree: two in the north store, one in the south store, one for the
    agent, one at the repair centre."""
    return {
        "north_promoter": answer(brand, brand.store, 10, "Great staff, very quick", n=1),
        "north_detractor": answer(brand, brand.store, 3, "Queue was LONG and slow", n=2),
        "south": answer(brand, brand.other_store, 8, "Fine", n=3),
        "agent": answer(
            brand,
            brand.agent,
            6,
            '=HYPERLINK("http://x")',
            n=4,
            touchpoint=brand.support,
            channel="sms",
        ),
        "repair": answer(brand, brand.repair_centre, 9, "", n=5, touchpoint=brand.repair),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(client: Client, query: str = "") -> set[int]:
    response = client.get(f"/responses/?{query}")
    assert response.status_code == 200, response.content[:500]
    return {int(pk) for pk in re.findall(r'href="/responses/(\d+)/"', response.content.decode())}


def exported(client: Client, query: str = "") -> list[dict]:
    response = client.get(f"/responses/export.csv?{query}")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


EXPECTED = {
    "brand_admin": {"north_promoter", "north_detractor", "south", "agent", "repair"},
    "north_manager": {"north_promoter", "north_detractor"},
    "south_store_manager": {"south"},
    "vendor_manager": {"agent"},
    "agent": {"agent"},
    "outsider": set(),
}


@pytest.mark.parametrize("persona", EXPECTED)
def test_each_person_sees_exactly_their_part_of_the_tree(persona, people, answers):
    client = signed_in(people[persona])
    expected = {answers[name].pk for name in EXPECTED[persona]}
    assert listed(client) == expected
    assert {int(row["response_id"]) for row in exported(client)} == expected
    xlsx = client.get("/responses/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == expected
    for name, response in answers.items():
        status = client.get(f"/responses/{response.pk}/").status_code
        assert status == (200 if name in EXPECTED[persona] else 404), (persona, name)


def test_a_unit_outside_ones_scope_is_not_found_in_filters_or_exports(brand, people, answers):
    north = signed_in(people["north_manager"])
    assert north.get(f"/responses/?unit={brand.other_store.pk}").status_code == 404
    assert north.get(f"/responses/export.csv?unit={brand.other_store.pk}").status_code == 404
    outsider = signed_in(people["outsider"])
    assert outsider.get(f"/responses/?unit={brand.brand.pk}").status_code == 404


def test_filters_narrow_the_list(brand, people, answers):
    admin = signed_in(people["brand_admin"])
    ids = {name: r.pk for name, r in answers.items()}
    assert listed(admin, f"unit={brand.north.pk}") == {
        ids["north_promoter"],
        ids["north_detractor"],
    }
    assert listed(admin, f"touchpoint={brand.support.pk}") == {ids["agent"]}
    assert listed(admin, "channel=sms") == {ids["agent"]}
    assert listed(admin, "category=promoter") == {ids["north_promoter"], ids["repair"]}
    assert listed(admin, "category=passive") == {ids["south"]}
    assert listed(admin, "category=detractor") == {ids["north_detractor"], ids["agent"]}
    assert listed(admin, "score=8") == {ids["south"]}
    assert listed(admin, "comment=1") == set(ids.values()) - {ids["repair"]}
    # Case-insensitive search in comments, on SQLite and PostgreSQL alike.
    assert listed(admin, "q=long") == {ids["north_detractor"]}
    assert listed(admin, "q=GREAT+STAFF") == {ids["north_promoter"]}
    # Periods are local days of the account (Europe/Paris): the answers were on 20 November.
    assert listed(admin, "period=7d") == set(ids.values())
    assert listed(admin, "from=2026-11-21&to=2026-11-23") == set()
    assert listed(admin, "from=2026-11-20&to=2026-11-20") == set(ids.values())
    # The export follows the same filters.
    assert [int(r["response_id"]) for r in exported(admin, "q=long")] == [ids["north_detractor"]]


def test_attribute_filters_read_contact_and_interaction_attributes(brand, people, answers):
    promoter = answer(
        brand,
        brand.store,
        10,
        n=9,
        attributes={"tier": "gold"},
        properties={"phone_model": "Nimbus X5", "amount": 849, "gift": True},
    )
    silver = answer(
        brand, brand.store, 7, n=10, attributes={"tier": "silver"}, properties={"amount": 849}
    )
    admin = signed_in(people["brand_admin"])
    assert listed(admin, "attr=contact.tier%3Dgold") == {promoter.pk}
    assert listed(admin, "attr=phone_model%3DNimbus+X5") == {promoter.pk}
    assert listed(admin, "attr=interaction.phone_model%3DNimbus+X9") == set()
    assert listed(admin, "attr=amount%3D849") == {promoter.pk, silver.pk}
    assert listed(admin, "attr=amount%3D849.0") == {promoter.pk, silver.pk}
    assert listed(admin, "attr=gift%3Dtrue") == {promoter.pk}
    # Combined: every condition holds, in one field or in several parameters.
    assert listed(admin, "attr=amount%3D849%3B+contact.tier%3Dsilver") == {silver.pk}
    assert listed(admin, "attr=amount%3D849&attr=contact.tier%3Dgold") == {promoter.pk}
    # What the contact is now does not move their past answers.
    promoter.contact.attributes = {"tier": "silver"}
    promoter.contact.save()
    assert listed(admin, "attr=contact.tier%3Dgold") == {promoter.pk}


@pytest.mark.parametrize(
    "query",
    [
        "period=fortnight",
        "score=11",
        "category=fan",
        "channel=pigeon",
        "from=2026-12-01&to=2026-11-01",
        "from=yesterday",
        "attr=tier",
        "attr=contact.ti__er%3Dx",
        "attr=a%3D1%3Bb%3D2%3Bc%3D3%3Bd%3D4%3Be%3D5%3Bf%3D6",
        "after=garbage",
    ],
)
def test_bad_filters_are_explained_not_ignored(query, people, answers):
    admin = signed_in(people["brand_admin"])
    response = admin.get(f"/responses/?{query}")
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    if not query.startswith("after"):
        assert admin.get(f"/responses/export.csv?{query}").status_code == 400


def test_pages_go_back_in_time_without_repeats(brand, people):
    made = [
        answer(brand, brand.store, n % 11, n=n, at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        for n in range(60)
    ]
    admin = signed_in(people["brand_admin"])
    first = admin.get("/responses/?period=all").content.decode()
    cursor = re.search(r'after=([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = admin.get(f"/responses/?period=all&after={cursor}").content.decode()
    page1 = re.findall(r'href="/responses/(\d+)/"', first)
    page2 = re.findall(r'href="/responses/(\d+)/"', second)
    assert len(page1) == 50 and len(page2) == 10
    assert sorted(map(int, page1 + page2)) == sorted(r.pk for r in made)
    assert 'rel="next"' not in second


def test_the_response_page_shows_the_whole_story(brand, people, answers):
    response = answers["north_promoter"]
    response.attribution = {
        "brand": {"code": "nimbus", "name": "Nimbus Mobile"},
        "region": {"code": "north", "name": "North"},
        "store": {"code": "store-012", "name": "Lille Centre"},
    }
    response.save()
    response.contact.name, response.contact.attributes = "Ana Costa", {"tier": "gold"}
    response.contact.save()
    response.interaction.properties = {"phone_model": "Nimbus X5"}
    response.interaction.external_id = "sale-77"
    response.interaction.save()
    page = signed_in(people["north_manager"]).get(f"/responses/{response.pk}/").content.decode()
    for text in (
        "Great staff, very quick",
        "Lille Centre",
        "North",
        "sale-77",
        "phone_model",
        "Nimbus X5",
        "Ana Costa",
        response.contact.email,
        "gold",
        "Survey invitations",
    ):
        assert text in page, text
    assert 'id="ticket"' not in page  # the hook is empty until tickets exist


def test_frontline_sees_their_own_answers_without_customer_identity(brand, people, answers):
    agent = signed_in(people["agent"])
    response = answers["agent"]
    page = agent.get(f"/responses/{response.pk}/").content.decode()
    assert response.contact.email not in page
    row = exported(agent)[0]
    assert row["contact_email"] == "" and row["contact_external_id"] == ""
    manager_row = exported(signed_in(people["vendor_manager"]))[0]
    assert manager_row["contact_email"] == response.contact.email


def test_exports_escape_formulas(brand, people, answers):
    answer(brand, brand.store, 1, "+1 555 0100 call me", n=6)
    answer(brand, brand.store, 2, "@admin -- terrible", n=7)
    answer(brand, brand.store, 2, "-5 stars", n=8)
    admin = signed_in(people["brand_admin"])
    comments = {row["comment"] for row in exported(admin)}
    assert '\'=HYPERLINK("http://x")' in comments
    assert {"'+1 555 0100 call me", "'@admin -- terrible", "'-5 stars"} <= comments
    assert not any(c.startswith(("=", "+", "-", "@")) for c in comments)
    xlsx = admin.get("/responses/export.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = [row[4] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)
    scores = [row[2] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(s, int) for s in scores)  # numbers stay numbers


def test_csv_columns_carry_attribution_and_local_time(brand, people, answers):
    response = answers["south"]
    response.attribution = {"region": {"code": "south", "name": "South"}}
    response.save()
    row = next(r for r in exported(signed_in(people["south_store_manager"])))
    assert row["region"] == "South"
    assert row["answered_at"] == "2026-11-20T11:00:00+01:00"  # Europe/Paris
    assert row["unit_code"] == "store-040" and row["category"] == "passive"


def test_a_bad_unit_in_the_invite_form_is_explained(people):
    response = signed_in(people["brand_admin"]).post(
        "/people/invite", {"email": "a@example.com", "unit": "x", "role": "viewer"}, follow=True
    )
    assert b"Choose a unit." in response.content


def test_signed_out_visitors_get_no_export(answers):
    assert Client().get("/responses/export.csv")["Location"].startswith("/login/")


def test_an_answer_with_a_ticket_shows_it_on_its_page(brand, people, answers):
    from touchpoint.tickets.actions import on_response_saved

    ticket = on_response_saved(answers["north_detractor"], created=True)
    assert ticket is not None
    page = signed_in(people["north_manager"]).get(f"/responses/{answers['north_detractor'].pk}/")
    html = page.content.decode()
    assert 'id="ticket"' in html and f'href="/tickets/{ticket.pk}/"' in html
    other = signed_in(people["north_manager"]).get(f"/responses/{answers['north_promoter'].pk}/")
    assert 'id="ticket"' not in other.content.decode()


def test_the_explorer_speaks_the_dashboards_periods_with_the_same_default(brand, people):
    """One vocabulary of periods: the explorer offers the dashboard's presets and opens on
    the same default, the last 3 months (from 1 September here), not the last 90 days."""
    answer(brand, brand.store, 9, "late August", n=1, at=dt.datetime(2026, 8, 30, tzinfo=dt.UTC))
    answer(brand, brand.store, 9, "September", n=2, at=dt.datetime(2026, 9, 2, tzinfo=dt.UTC))
    admin = signed_in(people["brand_admin"])
    page = admin.get("/responses/").content.decode()
    assert "September" in page and "late August" not in page
    assert '<option value="3m" selected>Last 3 months</option>' in page
    for preset in ("7d", "30d", "month", "last-month", "12m", "ytd", "all"):
        assert f'<option value="{preset}"' in page
    assert "late August" in admin.get("/responses/?period=12m").content.decode()
    old = admin.get("/responses/?period=90d")
    assert old.status_code == 400 and "one of 7d, 30d, month" in old.content.decode()
