"""One truth: for the same data, every page, the digest, the exports and the API show the
same figures: NPS and answers for a unit and period, and open, overdue and due-soon tickets.

The reported case: the inbox said "Open now 34, 16 overdue", its Overdue tab listed 22 and
the digest "40 open tickets, 22 overdue"; the explorer and the dashboard defaulted to
different periods, so one store read +52 (n = 25) on one and +47 (n = 15) on the other."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from tests.conftest import answer, outbound
from touchpoint.digests import actions as digests
from touchpoint.tickets.actions import do_open_ticket, rule_for

pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday, 09:00 in Paris: digests are due


@pytest.fixture
def data(brand, people):
    """North's store since late August: 39 answers (14 detractors); 5 of the detractors opened
    tickets two weeks ago (overdue now), 2 just now (due within 24 hours). The South
    store and an agent answer too, outside North."""
    n = 0
    for day, scores in (
        (dt.datetime(2026, 8, 28, 10, tzinfo=UTC), [2, 10, 3]),  # in the last 90 days, not 3m
        (dt.datetime(2026, 9, 14, 10, tzinfo=UTC), [10, 9, 9, 8, 3, 10]),
        (dt.datetime(2026, 10, 5, 10, tzinfo=UTC), [10, 10, 7, 2, 9, 9, 1, 10]),
        (dt.datetime(2026, 10, 26, 10, tzinfo=UTC), [9, 8, 8, 4, 10, 10, 6]),
        (dt.datetime(2026, 11, 9, 10, tzinfo=UTC), [10, 5, 9, 9, 2, 10, 3, 8]),
        (dt.datetime(2026, 11, 18, 10, tzinfo=UTC), [10, 9, 0, 7, 10, 1, 9]),
    ):
        for score in scores:
            n += 1
            answer(brand, brand.store, score, f"said {n}", n=n, at=day + dt.timedelta(minutes=n))
    answer(brand, brand.other_store, 2, n=900, at=dt.datetime(2026, 11, 18, 10, tzinfo=UTC))
    answer(brand, brand.agent, 10, n=901, at=dt.datetime(2026, 11, 18, 10, tzinfo=UTC))
    from touchpoint.responses.models import Response

    detractors = list(Response.objects.filter(unit=brand.store, score__lte=6).order_by("pk"))
    for opened, chosen in ((NOW - dt.timedelta(days=14), detractors[:5]), (NOW, detractors[5:7])):
        for response in chosen:
            rule = rule_for(response.touchpoint)
            with transaction.atomic():  # as the answer's door opens one
                do_open_ticket(response, rule=rule, reason="detractor", now=opened)


def dashboard_figures(html: str) -> tuple[str, int]:
    box = html.split('class="headline-box"')[1]
    nps = re.search(r'class="fig[^"]*"><strong>([^<]+)</strong>', box).group(1)
    return nps, int(re.search(r"n = (\d+)", box).group(1))


def signed(value: float) -> str:
    rounded = round(value)
    return "0" if rounded == 0 else f"+{rounded}" if rounded > 0 else f"\u2212{-rounded}"


def test_every_page_digest_export_and_api_show_the_same_figures(brand, people, data, smtp, api):
    client = Client()
    client.force_login(people["north_manager"])
    north = brand.north.pk
    with time_machine.travel(NOW, tick=False):
        digests.schedule_digests()
        digests.send_due_digests()
        outbound()  # the worker sends what the digests put in the outbox
        mail = next(m for m in smtp.messages if m["To"] == "north-manager@example.com")
        digest = mail.get_body(("plain",)).get_content()

        # NPS and answers over the digest's window, wherever they are read.
        link = re.search(r"Open the dashboard: (\S+)", digest).group(1)
        window = link.split("?")[1]
        assert window == "from=2026-08-25&to=2026-11-22"  # a small unit: the last 90 days
        headline = re.search(
            r"NPS the last 90 days \([^)]*\): ([+\u2212]?\d+) ± \d+, from (\d+)", digest
        )
        # Signed as pages sign it: +12, \u221212 (a true minus)
        digest_nps = int(headline.group(1).replace("\u2212", "-"))
        digest_n = int(headline.group(2))
        page = dashboard_figures(client.get(f"/units/{north}/?{window}").content.decode())
        explorer = client.get(f"/responses/?unit={north}&{window}").content.decode()
        explorer_n = int(re.search(r'<strong class="count">(\d+)</strong>', explorer).group(1))
        explorer_nps = re.search(r'class="fig"><strong>([^<]+)</strong>', explorer).group(1)
        exported = client.get(f"/units/{north}/report.csv?{window}")
        rows = list(
            csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig")))
        )
        current = next(r for r in rows if r["section"] == "headline" and r["group"] == "current")
        reported = api.get(f"/api/v1/reports/nps?unit=north&{window}").json()["total"]
        client.force_login(people["brand_admin"])
        league = client.get(f"/units/{brand.brand.pk}/league.csv?kind=region&{window}")
        league_rows = list(
            csv.DictReader(io.StringIO(b"".join(league.streaming_content).decode("utf-8-sig")))
        )
        region = next(r for r in league_rows if r["unit_code"] == "north")
        client.force_login(people["north_manager"])

        assert digest_n == 39
        assert page == (signed(digest_nps), digest_n)
        assert (explorer_nps, explorer_n) == page
        assert (round(float(current["nps"])), int(current["n"])) == (digest_nps, digest_n)
        assert (round(reported["nps"]), reported["n"]) == (digest_nps, digest_n)
        assert (round(float(region["nps"])), int(region["n"])) == (digest_nps, digest_n)

        # One default period on every page: the dashboard, the explorer and the API agree.
        default = dashboard_figures(client.get(f"/units/{north}/").content.decode())
        assert default[1] == 36  # the last 3 months start on 1 September
        listing = client.get(f"/responses/?unit={north}").content.decode()
        assert (
            int(re.search(r'<strong class="count">(\d+)</strong>', listing).group(1))
            == (default[1])
        )
        assert api.get("/api/v1/reports/nps?unit=north").json()["total"]["n"] == default[1]

        # Open, overdue and due soon: the inbox's tiles and tabs, its overdue list, the
        # digest and the API.
        inbox = client.get("/tickets/?view=open").content.decode()
        tiles = dict(
            re.findall(
                r"<dt>([^<]+)</dt><dd>(?:<span[^>]*>)?(\d+)",
                inbox.split("tiles now")[1].split("</dl>")[0],
            )
        )
        tabs = dict(re.findall(r'>([A-Za-z ]+) <span class="count[^"]*">(\d+)</span>', inbox))
        overdue_rows = (
            client.get("/tickets/?view=overdue").content.decode().count('class="overdue"')
        )
        digest_tickets = re.search(
            r"Open tickets: (\d+) \((\d+) overdue\), (\d+) due within 24 h", digest
        )
        counted = api.get("/api/v1/tickets/counts?unit=north").json()
        listed_overdue = api.get("/api/v1/tickets?overdue=true&unit=north").json()["total"]

    assert tiles == {"Open now": "7", "Overdue": "5", "Due within 24 h": "2"}
    assert (tabs["All open"], tabs["Overdue"]) == ("7", "5")
    assert overdue_rows == 5
    assert digest_tickets.groups() == ("7", "5", "2")
    assert counted == {"open": 7, "overdue": 5, "due_soon": 2}
    assert listed_overdue == 5
