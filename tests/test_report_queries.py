"""Report queries: every figure equals a brute-force count over the raw answers, whether it is
read from the rollups or from the responses, and bad requests name the field at fault."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import answer, draw_answers
from touchpoint.accounts.actions import do_create_unit, do_move_unit
from touchpoint.accounts.models import Account
from touchpoint.contacts.models import Contact
from touchpoint.lib import nps
from touchpoint.lib.periods import month_end
from touchpoint.reports import counting, figures
from touchpoint.reports.params import (
    ReportError,
    check_group_by,
    check_report_request,
    parse_report_params,
)
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Touchpoint

pytestmark = pytest.mark.django_db
_accounts = itertools.count()
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


def brute(responses, unit_id, start, end, zone, *, touchpoint=None, channel="", tier=None):
    """Histogram of the answers counted at `unit_id` (on their attribution path) whose local
    day lies in [start, end] and that pass the filters."""
    histogram = [0] * 11
    for r in responses:
        day = r.answered_at.astimezone(zone).date()
        if f"/{unit_id}/" not in r.unit_path or not start <= day <= end:
            continue
        if touchpoint is not None and r.touchpoint_id != touchpoint.pk:
            continue
        if channel and r.channel != channel:
            continue
        if tier is not None and r.contact.attributes.get("tier") not in tier:
            continue
        histogram[r.score] += 1
    return histogram


@pytest.mark.django_db(databases=[])
@given(
    start=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    days=st.integers(0, 800),
    days_only=st.booleans(),
)
@settings(deadline=None)  # pure, but a loaded machine can stall one example
def test_the_rollup_rows_read_cover_each_day_of_the_period_exactly_once(start, days, days_only):
    """Added and subtracted, the day and month rows read count every day of the period once
    and no other day; and no partial month reads more than half its days."""
    end = start + dt.timedelta(days)
    counted: dict[dt.date, int] = {}
    day_rows: dict[dt.date, int] = {}  # per month
    for grain, first, last, sign in counting._rollup_span(start, end, days_only=days_only):
        if grain == "month":
            assert first.day == last.day == 1
            last = month_end(last)
        day = first
        while day <= last:
            counted[day] = counted.get(day, 0) + sign
            if grain == "day":
                day_rows[day.replace(day=1)] = day_rows.get(day.replace(day=1), 0) + 1
            day += dt.timedelta(1)
    assert {d: n for d, n in counted.items() if n} == {
        start + dt.timedelta(i): 1 for i in range(days + 1)
    }
    assert all(-1 <= n <= 1 for n in counted.values())
    if not days_only:
        assert all(n <= 15 for n in day_rows.values())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_report_figure_equals_a_brute_force_count(data):
    zone_name = data.draw(st.sampled_from(["UTC", "Europe/Paris", "Pacific/Auckland"]))
    account = Account.objects.create(name="P", slug=f"q{next(_accounts)}", time_zone=zone_name)
    zone = ZoneInfo(zone_name)
    units = [do_create_unit(account=account, kind="brand", code="b", name="B")]
    for i in range(data.draw(st.integers(0, 6))):
        parent = data.draw(st.sampled_from(units))
        kind = data.draw(st.sampled_from(["region", "store"]))
        units.append(
            do_create_unit(account=account, kind=kind, code=f"u{i}", name=f"U{i}", parent=parent)
        )
    touchpoints = [
        Touchpoint.objects.create(account=account, slug=f"t{i}", name=f"T{i}") for i in range(2)
    ]
    contacts = [
        Contact.objects.create(account=account, email=f"c{i}@x.example", attributes={"tier": t})
        for i, t in enumerate(["gold", "silver", "gold"])
    ]
    first = dt.datetime(2025, 12, 20, tzinfo=dt.UTC)

    def answers(count: int) -> list[Response]:
        return draw_answers(
            data,
            account,
            count,
            units=units,
            touchpoints=touchpoints,
            start=first,
            days=95,
            contacts=contacts,
        )

    answers(data.draw(st.integers(0, 40)))
    if len(units) > 2:  # a move: past answers stay where they were given
        moved, target = data.draw(st.sampled_from(units[1:])), data.draw(st.sampled_from(units))
        moved.refresh_from_db()
        target.refresh_from_db()
        if not target.path.startswith(moved.path):
            do_move_unit(unit=moved, new_parent=target)
    answers(data.draw(st.integers(0, 15)))
    responses = list(Response.objects.filter(account=account).select_related("contact"))

    unit = data.draw(st.sampled_from(units))
    unit.refresh_from_db()
    start = dt.date(2025, 12, 15) + dt.timedelta(data.draw(st.integers(0, 80)))
    end = start + dt.timedelta(data.draw(st.integers(0, 70)))
    touchpoint = data.draw(st.sampled_from([None, *touchpoints]))
    channel = data.draw(st.sampled_from(["", "email", "sms"]))
    tier = data.draw(st.sampled_from([None, ("gold",), ("gold", "silver")]))
    request = check_report_request(
        unit=unit,
        start=start,
        end=end,
        touchpoint=touchpoint,
        channel=channel,
        segments={"contact.tier": tier} if tier else None,
        now=NOW,
    )
    assert request.source == ("responses" if tier else "rollups")
    filters = {"touchpoint": touchpoint, "channel": channel, "tier": tier}
    report = figures.report(request)

    assert list(report.headline.histogram) == brute(responses, unit.pk, start, end, zone, **filters)
    before = report.previous_request
    assert before.end < start and abs(before.days - request.days) <= 3
    assert list(report.previous.histogram) == brute(
        responses, unit.pk, before.start, before.end, zone, **filters
    )
    assert report.change == nps.change(report.headline.counts, report.previous.counts)
    for figure in report.by_touchpoint:
        only = {**filters, "touchpoint": Touchpoint.objects.get(pk=figure.key)}
        assert list(figure.histogram) == brute(responses, unit.pk, start, end, zone, **only)
    assert sum(f.estimate.n for f in report.by_touchpoint) == report.headline.estimate.n
    for figure in report.by_channel:
        only = {**filters, "channel": figure.key}
        assert list(figure.histogram) == brute(responses, unit.pk, start, end, zone, **only)
    assert sum(f.estimate.n for f in report.by_channel) == report.headline.estimate.n
    for grain in ("day", "week", "month"):
        points = figures.trend(request, grain)
        assert points[0].start == start and points[-1].end == end
        for point in points:
            assert list(point.figure.histogram) == brute(
                responses, unit.pk, point.start, point.end, zone, **filters
            )
        assert [p.control for p in points] == nps.control_limits([p.figure.counts for p in points])
    for _, board in report.leaderboard:
        for row in board:
            assert row.unit.parent_id == unit.pk
            assert list(row.figure.histogram) == brute(
                responses, row.unit.pk, start, end, zone, **filters
            )
    listed = {row.unit.pk for _, board in report.leaderboard for row in board}
    for child in units:
        child.refresh_from_db()
        if child.parent_id == unit.pk and child.pk not in listed:
            assert not any(brute(responses, child.pk, start, end, zone, **filters))


def _request(brand, **params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return parse_report_params(brand.north, query, now=NOW)


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"colour": "red"}, "colour", "not a known filter"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from", "reversed"),
        ({"from": "1970-01-01", "to": "2026-02-01"}, "from", "on or after"),
        ({"from": "2020-01-01", "to": "2026-02-01"}, "to", "at most"),
        ({"from": "2026-01-01", "to": "2029-02-01"}, "to", "within a year"),
        ({"from": "2026-13-01", "to": "2026-02-01"}, "from", "not a date"),
        ({"from": "2026-01-01"}, "to", "required"),
        ({"period": "fortnight"}, "period", "must be one of"),
        ({"period": "3m", "from": "2026-01-01", "to": "2026-02-01"}, "period", "not both"),
        ({"touchpoint": "teleport"}, "touchpoint", "not a touchpoint"),
        ({"channel": "pigeon"}, "channel", "must be one of"),
        ({"contact.shoe_size": "42"}, "contact.shoe_size", "no contact"),
        ({"weather.today": "rain"}, "weather.today", "not a known filter"),
    ],
)
def test_bad_report_requests_name_the_field_at_fault(brand, params, field, words):
    with pytest.raises(ReportError) as error:
        _request(brand, **params)
    assert error.value.field == field
    assert words in error.value.message


def test_group_by_an_attribute_that_does_not_exist_is_refused(brand):
    request = _request(brand)
    with pytest.raises(ReportError) as error:
        check_group_by(request, "contact.shoe_size")
    assert error.value.field == "contact.shoe_size"
    with pytest.raises(ReportError) as error:
        check_group_by(request, "colour")
    assert error.value.field == "group_by"


def test_presets_and_their_previous_periods(brand):
    request = _request(brand)  # default: the last three months, whole months read as such
    assert (request.start, request.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 20))
    assert (request.previous().start, request.previous().end) == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 20),
    )
    last_month = _request(brand, period="last-month")
    assert (last_month.previous().start, last_month.previous().end) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
    )
    custom = _request(brand, **{"from": "2026-03-10", "to": "2026-03-16"})
    assert (custom.previous().start, custom.previous().end) == (
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 9),
    )
    # The grain follows the answers: a week is drawn by day, and without answers three months
    # fall back to months (a period of weeks would hold none).
    assert figures.trend_grain(custom).grain == "day"
    assert figures.trend_grain(request, answers=0).grain == "month"
    assert figures.trend_grain(request, answers=5_000).grain == "week"
    assert figures.trend_grain(request, answers=50_000).grain == "week"  # days: too many points
    assert figures.trend_grain(_request(brand, period="30d"), answers=3_000).grain == "day"
    assert figures.trend_grain(_request(brand, period="12m"), answers=200).grain == "month"


def test_the_rollup_path_reads_no_raw_answers_and_a_fixed_number_of_queries(brand):
    for n, score in enumerate([10, 9, 3, 7]):
        answer(brand, brand.store, score, n=n)
    request = check_report_request(
        unit=brand.brand, start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 30), now=NOW
    )
    with CaptureQueriesContext(connection) as captured:
        report = figures.report(request, comments=0)
    sql = [q["sql"] for q in captured.captured_queries]
    assert report.headline.estimate.n == 4 and report.source == "rollups"
    assert not any('"responses_response"' in s for s in sql), sql
    # Headline, channels, trend, touchpoint names, units below, leaderboard, and how many
    # changes are still waiting in the delta log (the page's freshness line).
    assert len(sql) <= 7, sql


def test_segments_are_counted_from_the_raw_answers_as_they_were_when_given(brand):
    gold = answer(brand, brand.store, 10, n=1, attributes={"tier": "gold"})
    answer(brand, brand.store, 0, n=2)
    gold.contact.attributes = {"tier": "silver"}  # later: the past answer stays gold
    gold.contact.save()
    request = check_report_request(
        unit=brand.north,
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        segments={"contact.tier": ["gold"]},
        now=NOW,
    )
    report = figures.report(request)
    assert report.source == "responses"
    assert report.headline.estimate.n == 1 and report.headline.estimate.nps == 100
    total, groups = figures.grouped(request, "contact.tier")
    assert total.estimate.n == 1
    assert [(g.key, g.estimate.n) for g in groups] == [("gold", 1)]
    interaction = Interaction.objects.get(pk=gold.interaction_id)
    assert interaction.touchpoint == brand.purchase


def test_the_trend_chart_marks_a_shift_by_shape_and_word_not_colour():
    import re

    from touchpoint.reports.chart import trend_svg
    from touchpoint.reports.figures import Figure, TrendPoint

    histograms = [[0] * 11 for _ in range(6)]
    for h in histograms[:5]:
        h[10], h[8], h[0] = 100, 50, 50  # NPS +25 each period
    histograms[5][10], histograms[5][8] = 190, 10  # NPS +95: a real shift
    histograms.insert(2, [0] * 11)  # a week without answers breaks the line
    figures = [Figure.of(i, f"Week {i}", h) for i, h in enumerate(histograms)]
    controls = nps.control_limits([f.counts for f in figures])
    points = [
        TrendPoint(dt.date(2026, 1, 1), dt.date(2026, 1, 7), f.label, f, c, f.label)
        for f, c in zip(figures, controls, strict=True)
    ]
    assert [p.control.out_of_control for p in points] == [False] * 6 + [True]
    for compact in (False, True):
        svg = str(trend_svg(points, title="NPS <by week>", compact=compact))
        assert svg.startswith("<svg") and 'role="img"' in svg
        assert "NPS &lt;by week&gt;" in svg  # escaped
        assert svg.count('class="shift"') == 1 and ">shift</text>" in svg
        assert svg.count('<circle class="point"') == 5  # the empty week has no marker
        assert svg.count('class="line"') == 2  # broken at the empty week
        assert "Week 6: NPS +95, n = 200 (outside the control limits" in svg
        assert not re.search(r"(fill|stroke)=", svg)  # styling by class: one place to restyle


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_trend_axis_labels_periods_by_their_start_and_never_overlap(compact, language):
    """Thirteen weeks named as the table names them (first day, a dash, last day) ran into
    each other under the chart: the axis names each week by its first day, and leaves out as
    many labels as it takes for the rest to stand apart."""
    import re

    from django.utils import translation
    from django.utils.formats import date_format

    from touchpoint.reports import chart, labels
    from touchpoint.reports.figures import Figure, TrendPoint

    monday = dt.date(2026, 9, 7)
    weeks = [
        (monday + dt.timedelta(weeks=n), monday + dt.timedelta(weeks=n, days=6)) for n in range(13)
    ]
    with translation.override(language):
        figures_ = [
            Figure.of(
                first, labels.period_label(first, first, last, "week"), [10] + [0] * 9 + [30 + n]
            )
            for n, (first, last) in enumerate(weeks)
        ]
        controls = nps.control_limits([f.counts for f in figures_])
        trend = [
            TrendPoint(first, last, f.label, f, c, labels.period_mark(first, first, "week"))
            for (first, last), f, c in zip(weeks, figures_, controls, strict=True)
        ]
        svg = str(chart.trend_svg(trend, title="Trend by week", compact=compact))
        starts = [date_format(first, "MONTH_DAY_FORMAT") for first, _ in weeks]

    marks = re.findall(
        r'<text class="axis" x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]+)<', svg
    )
    assert len(marks) >= 3
    assert [text for _, text in marks] == starts[:: starts.index(marks[1][1])]
    font = chart.AXIS_FONT_COMPACT if compact else chart.AXIS_FONT
    for (x1, text1), (x2, text2) in itertools.pairwise(marks):
        half_widths = (len(text1) + len(text2)) / 2 * font * chart.CHARACTER
        assert float(x2) - float(x1) >= half_widths + chart.LABEL_GAP
    assert f"{trend[0].label}: NPS" in svg  # the point's tooltip keeps the whole span


def test_latest_comments_are_the_same_through_either_index(brand, monkeypatch):
    answer(brand, brand.store, 9, "Lille first", n=1)
    answer(brand, brand.other_store, 3, "Nice", n=2)
    answer(brand, brand.agent, 10, "Agent", n=3)
    answer(brand, brand.store, 2, "", n=4)
    for unit in (brand.brand, brand.north, brand.store, brand.vendor):
        request = check_report_request(unit=unit, start="2026-11-01", end="2026-11-30", now=NOW)
        small = [r.comment for r in figures.latest_comments(request)]
        monkeypatch.setattr(figures, "SMALL_SUBTREE", 0)
        assert [r.comment for r in figures.latest_comments(request)] == small
        monkeypatch.undo()
    request = check_report_request(unit=brand.north, start="2026-11-01", end="2026-11-30", now=NOW)
    assert [r.comment for r in figures.latest_comments(request)] == ["Lille first"]


def test_rollup_statements_are_prepared_on_a_kept_postgresql_connection(brand):
    """Their plans do not depend on their values, so planning them once per connection is
    enough; Django's own statements stay unprepared."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    answer(brand, brand.store, 9)
    request = check_report_request(unit=brand.brand, now=NOW)

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [statement for (statement,) in cursor.fetchall()]

    assert not any("reports_rolluptotal" in s for s in prepared())
    first = figures.report(request)
    again = figures.report(request)
    assert again.headline.histogram == first.headline.histogram
    statements = prepared()
    assert any("reports_rolluptotal" in s for s in statements)
    assert all("reports_rollup" in s for s in statements)
