"""Counts read as people write them in their language (1,111 in English, 1.111 in German,
1 111 in French, 12,34,567 in Hindi) on pages, in the weekly digest and in sentences Python
words; ids in links and form values stay raw, for the machines that read them. Signed
figures read the same (+12, a true minus sign) wherever they are written."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from tests.conftest import outbound
from touchpoint.accounts.languages import do_set_language
from touchpoint.alerts import wording
from touchpoint.digests import actions as digests
from touchpoint.lib import nps
from touchpoint.lib.numbers import format_count, format_signed
from touchpoint.reports import chart
from touchpoint.reports.figures import Figure, TrendPoint

UTC = dt.UTC
LAST_WEEK = dt.datetime(2026, 11, 18, 10, tzinfo=UTC)  # Wednesday of the digest's week
MONDAY_9_PARIS = dt.datetime(2026, 11, 23, 8, tzinfo=UTC)
FIRST_ID = 100_001  # the answers' ids run past 999, so a grouped id would show


@pytest.mark.parametrize(
    ("language", "many", "few"),
    [
        ("en", "1,234,567", "999"),
        ("de", "1.234.567", "999"),
        ("fr", "1\xa0234\xa0567", "999"),
        ("es", "1\xa0234\xa0567", "999"),
        ("hi", "12,34,567", "999"),  # the Indian grouping, ours (Django's Hindi has none)
    ],
)
def test_a_count_is_grouped_the_way_its_reader_writes_numbers(language, many, few):
    with translation.override(language):
        assert format_count(1234567) == many
        assert format_count("1234567") == many
        assert format_count(1234567.0) == many
        assert format_count(999) == few


def test_what_is_no_count_is_left_as_it_is():
    assert format_count(None) == ""
    assert format_count("") == ""
    assert format_count("\u2013") == "\u2013"
    assert format_count("a few") == "a few"


def many_answers(brand, unit, count: int, *, at: dt.datetime) -> None:
    """`count` answers at `unit`, ids from FIRST_ID, stored with their rollups' changes in the
    delta log as the live path stores them."""
    from touchpoint.lib.bulk import bulk_insert
    from touchpoint.lib.segments import snapshot
    from touchpoint.reports import rollups
    from touchpoint.responses.actions import attribution_for
    from touchpoint.responses.models import Response

    made = [
        Response(
            id=FIRST_ID + i,
            account=brand.account,
            unit=unit,
            unit_path=unit.path,
            attribution=attribution_for(unit),
            touchpoint=brand.purchase,
            channel="email",
            score=(10, 9, 8, 3)[i % 4],
            answered_at=at + dt.timedelta(seconds=i),
            segments=snapshot(None, None),
        )
        for i in range(count)
    ]
    bulk_insert(made)
    rollups.record(
        brand.account,
        [rollups.change_of(r, brand.account.time_zone, plus=r.score) for r in made],
    )


@pytest.fixture
def busy_week(brand):
    many_answers(brand, brand.store, 1111, at=LAST_WEEK)


def visible(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))  # keeps no-break spaces


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "n"), [("en", "1,111"), ("de", "1.111"), ("fr", "1\xa0111")])
def test_the_dashboard_and_the_explorer_group_their_counts(brand, people, busy_week, language, n):
    manager = people["north_manager"]
    do_set_language(manager, language)
    client = Client()
    client.force_login(manager)
    with time_machine.travel(MONDAY_9_PARIS, tick=False):
        dashboard = client.get(f"/units/{brand.store.pk}/").content.decode()
        explorer = client.get("/responses/").content.decode()
    assert f"n = {n}" in visible(dashboard)
    assert f'<strong class="count">{n}</strong>' in explorer
    # The answers' ids in the explorer's links stay raw.
    linked = {int(pk) for pk in re.findall(r'href="/responses/(\d+)/"', explorer)}
    assert linked and all(pk >= FIRST_ID for pk in linked)
    assert not re.search(r'href="/responses/\d+\D\d', explorer)


@pytest.mark.django_db(transaction=True)
def test_the_weekly_digest_groups_its_counts(brand, people, busy_week, smtp):
    do_set_language(people["north_manager"], "de")
    with time_machine.travel(MONDAY_9_PARIS, tick=False):
        digests.schedule_digests()
        digests.send_due_digests()
        outbound()
    mails = {m["To"]: m for m in smtp.messages}
    for to, n in (("north-manager@example.com", "1.111"), ("cx-lead@example.com", "1,111")):
        text = mails[to].get_body(("plain",)).get_content()
        html = visible(mails[to].get_body(("html",)).get_content())
        assert f"{n} " in text and "1111" not in text, to
        assert re.search(rf"\b{re.escape(n)} (answers|Antworten)\b", html), to
        assert "1111" not in html, to


def test_a_python_worded_sentence_groups_its_count():
    evidence = {
        "now": {
            "promoters": 700,
            "passives": 300,
            "detractors": 234,
            "window": {"name": "last week"},
        },
        "ranked_nps": 20,
        "probability_below": 0.9,
        "target": 30,
    }
    with translation.override("en"):
        assert "(n = 1,234)" in wording.below_target_summary(evidence)
    with translation.override("de"):
        assert "(n = 1.234)" in wording.below_target_summary(evidence)


def test_a_signed_figure_reads_the_same_in_pages_charts_and_sentences():
    assert [format_signed(v) for v in (12, -3, 0.4, -0.4, 0, None)] == [
        "+12",
        "\u22123",
        "0",
        "0",
        "0",
        "\u2013",
    ]
    with translation.override("de"):
        assert format_signed(-1.26, 1) == "\u22121,3"
        assert wording.format_signed(-7) == "\u22127"  # the alerts' sentences use it too
    # A chart point says its NPS as the page does: with a true minus sign.
    figure = Figure.of(dt.date(2026, 11, 2), "2 November", [10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40])
    figures = [Figure.of(dt.date(2026, 11, 9), "9 November", [40] + [0] * 9 + [10]), figure]
    controls = nps.control_limits([f.counts for f in figures])
    points = [
        TrendPoint(dt.date(2026, 11, 2), dt.date(2026, 11, 8), f.label, f, c, f.label)
        for f, c in zip(figures, controls, strict=True)
    ]
    svg = str(chart.trend_svg(points, title="Trend"))
    assert "9 November: NPS \u221260, n = 50" in svg and "NPS -" not in svg
