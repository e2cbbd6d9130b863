"""Comment analysis in the product: themes per account, the background analysis of every
answer (claimed once, resumable, re-tagged once after a change), the reports, the explorer's
theme filter, the API and ticket routing by theme."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Membership
from touchpoint.analysis import actions, sweep
from touchpoint.analysis.hooks import request_analysis
from touchpoint.analysis.models import (
    CommentAnalysis,
    RetagJob,
    SuggestedTheme,
    Theme,
    ThemeMention,
    ThemeRoute,
)
from touchpoint.analysis.routing import theme_route
from touchpoint.analysis.starter import do_create_starter_taxonomy
from touchpoint.analysis.suggestions import do_suggest_themes
from touchpoint.responses.models import Response

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)


@pytest.fixture
def themed(brand):
    do_create_starter_taxonomy(brand.account)
    return brand


def analysed(response: Response) -> CommentAnalysis:
    return CommentAnalysis.objects.get(response=response)


def keys(response: Response) -> set[str]:
    return set(ThemeMention.objects.filter(response=response).values_list("theme__key", flat=True))


def drain(now=NOW) -> int:
    total = 0
    while n := sweep.analyse_pending(now=now):
        total += n
    return total


def test_a_theme_without_example_phrases_is_refused(brand):
    with pytest.raises(actions.ThemeError) as refused:
        actions.check_theme(
            account=brand.account, key="billing", names={"en": "Billing"}, examples=" \n, "
        )
    assert refused.value.field == "examples"
    assert "at least one example phrase" in refused.value.message
    with pytest.raises(actions.ThemeError) as bad_key:
        actions.check_theme(account=brand.account, key="Bad Key", names={"en": "x"}, examples="x")
    assert bad_key.value.field == "key"
    assert not Theme.objects.exists()


def test_the_starter_taxonomy_has_the_smartphone_themes(themed):
    have = set(Theme.objects.filter(account=themed.account).values_list("key", flat=True))
    assert {
        "battery",
        "screen",
        "waiting",
        "staff",
        "repair_time",
        "price",
        "billing",
        "stock",
        "callback",
        "delivery",
    } <= have
    assert do_create_starter_taxonomy(themed.account) == 0  # idempotent


def test_a_stored_answer_is_analysed_by_the_next_worker_pass(themed):
    response = answer(themed, themed.store, 3, "Friendly staff but the queue took forever", at=NOW)
    assert sweep.analyse_pending(now=NOW) == 1
    row = analysed(response)
    assert (row.state, row.language, row.sentiment, row.runs) == ("done", "en", row.sentiment, 1)
    assert keys(response) == {"staff", "waiting"}
    feelings = dict(
        ThemeMention.objects.filter(response=response).values_list("theme__key", "sentiment")
    )
    assert feelings == {"staff": "positive", "waiting": "negative"}
    assert sweep.analyse_pending(now=NOW) == 0  # nothing done twice


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between polls
def test_the_wake_hook_queues_the_worker_once_the_answer_is_committed(themed):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    response = answer(themed, themed.store, 9, "Great service", at=NOW)
    with transaction.atomic():
        request_analysis([response.pk])
        assert not DBTaskResult.objects.exists()  # nothing queued before the commit
    assert analysed(response).state == "pending"
    assert DBTaskResult.objects.filter(task_path__endswith="analyse_pending").exists()
    call_command("worker", "--once", stdout=io.StringIO())
    assert analysed(response).state == "done" and analysed(response).sentiment == "positive"


def test_an_edited_comment_is_analysed_again(themed):
    response = answer(themed, themed.store, 2, "The battery dies by noon", at=NOW)
    drain()
    assert keys(response) == {"battery"}
    Response.objects.filter(pk=response.pk).update(comment="Charged twice for one phone")
    request_analysis([response.pk])
    drain()
    assert keys(response) == {"billing"} and analysed(response).runs == 2


def test_two_workers_never_analyse_the_same_answer(themed):
    for n in range(6):
        answer(themed, themed.store, n, f"Waited {n} hours in the queue", n=n, at=NOW)
    sweep.discover(now=NOW)
    first, held_first = sweep.claim(4, now=NOW)
    second, held_second = sweep.claim(4, now=NOW)
    assert len(held_first) == 4 and len(held_second) == 2
    assert not set(held_first) & set(held_second)
    assert sweep.process_claimed(second, held_first, now=NOW) == 0  # not its rows
    sweep.process_claimed(first, held_first, now=NOW)
    sweep.process_claimed(second, held_second, now=NOW)
    assert set(CommentAnalysis.objects.values_list("runs", flat=True)) == {1}


def test_answers_without_a_comment_are_marked_done_without_sentiment(themed):
    response = answer(themed, themed.store, 10, "", at=NOW)
    drain()
    row = analysed(response)
    assert (row.state, row.sentiment, row.score) == ("done", "", None)


def test_the_backfill_resumes_after_a_kill(themed):
    made = [
        answer(themed, themed.store, 5, f"Slow delivery number {n}", n=n, at=NOW) for n in range(7)
    ]
    with time_machine.travel(NOW, tick=False):
        # A first run is killed mid-way: it holds three answers and wrote none of them;
        # another worker did two.
        sweep.mark_pending([r.pk for r in made])
        sweep.claim(3)
        sweep.process_claimed(*sweep.claim(2))
        assert CommentAnalysis.objects.filter(state="done").count() == 2
    with time_machine.travel(NOW + sweep.LEASE + dt.timedelta(seconds=1), tick=False):
        out = io.StringIO()
        call_command("analyse-comments", "--account", "nimbus", "--no-progress", stdout=out)
    assert "5 answers analysed" in out.getvalue()
    rows = CommentAnalysis.objects.filter(response__in=made)
    assert {r.state for r in rows} == {"done"} and {r.runs for r in rows} == {1}
    assert all(keys(r) == {"delivery"} for r in made)


def test_the_backfill_command_refuses_an_unknown_account(themed):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No account"):
        call_command("analyse-comments", "--account", "nope", stdout=io.StringIO())


def test_an_edited_taxonomy_retags_history_exactly_once(themed):
    made = [
        answer(themed, themed.store, 4, f"Charged twice, invoice {n} wrong", n=n, at=NOW)
        for n in range(5)
    ]
    made.append(answer(themed, themed.store, 9, "", n=9, at=NOW))
    drain()
    assert set(RetagJob.objects.values_list("state", flat=True)) == {"done"}
    billing = Theme.objects.get(account=themed.account, key="billing")
    data = actions.check_theme(
        account=themed.account, key="invoices", names={"en": "Invoices"}, examples=["invoice"]
    )
    actions.do_save_theme(account=themed.account, data=data)
    actions.do_set_theme_active(theme=billing, active=False)  # a second change supersedes
    job = RetagJob.objects.filter(state="queued").get()
    # Two workers share the work in small batches; one of them dies holding the job.
    assert sweep.run_retag_jobs(2, now=NOW) == 2
    assert sweep.run_retag_jobs(2, now=NOW) == 2
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (4, 5, 80)
    drain(NOW + dt.timedelta(minutes=5))
    job.refresh_from_db()
    assert job.state == "done" and job.percent == 100
    assert {analysed(r).runs for r in made[:5]} == {2}  # once at first, once for the change
    assert all(keys(r) == {"invoices"} for r in made[:5])
    assert RetagJob.objects.filter(state="superseded").count() == 1


def test_the_theme_report_counts_impact_and_its_interval(themed, people, client):
    from touchpoint.analysis.queries import theme_report
    from touchpoint.reports.params import check_report_request

    for n in range(10):
        answer(themed, themed.store, 2, "Endless queue", n=n, at=NOW)
    for n in range(10, 40):
        answer(themed, themed.store, 10, "Lovely staff", n=n, at=NOW)
    for n in range(40, 50):
        answer(themed, themed.store, 8, "", n=n, at=NOW)
    drain()
    request = check_report_request(unit=themed.brand, now=NOW)
    report = theme_report(request)
    rows = {r.theme.key: r for r in report.rows}
    waiting = rows["waiting"]
    assert waiting.mentions == 10 and waiting.estimate.nps == -100
    # NPS of all (30 - 10) / 50 = 40; without the queue comments 30 / 40 = 75: impact -35.
    assert waiting.impact.impact == pytest.approx(-35)
    assert waiting.impact.low < -35 < waiting.impact.high and waiting.impact.few_mentions
    assert rows["staff"].impact.impact == pytest.approx(40 - (-10 / 20 * 100))
    assert (report.commented, report.analysed) == (40, 40)
    assert sum(n for _, n, _ in waiting.trend) == 10
    # Pages sign the impact as they sign every NPS figure: +90.0, \u221235.0 (a true minus).
    client.force_login(people["brand_admin"])
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/units/{themed.brand.pk}/themes/").content.decode()
        dashboard = client.get(f"/units/{themed.brand.pk}/").content.decode()
    for text in (page, dashboard):
        assert "+90.0" in text and "\u221235.0" in text and "-35.0" not in text


def test_key_drivers_rank_the_theme_that_moves_the_score(themed):
    from touchpoint.analysis.drivers import driver_report
    from touchpoint.reports.params import check_report_request

    n = 0
    for _ in range(25):
        answer(themed, themed.store, 1, "The queue was endless", n=(n := n + 1), at=NOW)
        answer(themed, themed.store, 9, "The price is fine", n=(n := n + 1), at=NOW)
        answer(themed, themed.store, 8, "Paid a fair price, staff were ok", n=(n := n + 1), at=NOW)
        # Comments about neither: without them every answer would mention the queue or the
        # price, the two would be one driver (perfectly collinear) and tie.
        answer(themed, themed.store, 8, "Nothing more to say", n=(n := n + 1), at=NOW)
    drain()
    found = driver_report(check_report_request(unit=themed.brand, now=NOW))
    assert found.n == 100 and found.rows[0].key == "waiting" and found.rows[0].sign == -1
    assert found.rows[0].low <= found.rows[0].share <= found.rows[0].high
    assert sum(r.share for r in found.rows) == pytest.approx(found.r2)


def test_a_manager_sees_the_themes_of_their_part_of_the_tree_only(themed, people, client):
    answer(themed, themed.store, 2, "North: the queue was awful", n=1)
    answer(themed, themed.other_store, 2, "South: billing errors every month", n=2)
    drain(dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    client.force_login(people["north_manager"])
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/units/{themed.north.pk}/themes/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Waiting" in text and "Billing" not in text
        assert client.get(f"/units/{themed.other_store.pk}/themes/").status_code == 404
        dash = client.get(f"/units/{themed.north.pk}/").content.decode()
    assert "What customers talk about" in dash and "theme=waiting" in dash


def resolved_with_cause(brand, response: Response, cause: str):
    from touchpoint.tickets import actions as tickets
    from touchpoint.tickets.models import RootCause

    found, _ = RootCause.objects.get_or_create(
        account=brand.account, code=cause.lower().replace(" ", "-"), defaults={"name": cause}
    )
    ticket = tickets.do_open_ticket(
        response, rule=tickets.rule_for(response.touchpoint), reason="detractor", now=timezone.now()
    )
    admin = Membership.objects.get(unit=brand.brand, role="admin").user
    tickets.do_change_state(ticket, actor=admin, state="resolved", root_cause_id=found.pk)


def test_root_causes_chosen_on_tickets_are_shown_beside_the_themes(themed, people, client):
    # Given detractors in two regions whose tickets were resolved with a root cause
    for n in range(3):
        angry = answer(themed, themed.store, 2, "The queue never moved", n=n, at=NOW)
        resolved_with_cause(themed, angry, "Understaffed store" if n < 2 else "Till broken")
    south = answer(themed, themed.other_store, 1, "Charged twice", n=9, at=NOW)
    resolved_with_cause(themed, south, "Billing system error")
    drain()
    client.force_login(people["north_manager"])
    # When the north manager opens the themes of their region
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/units/{themed.north.pk}/themes/?period=30d").content.decode()
    # Then the causes the team found sit beside what customers said, counted as the
    # tickets' own page counts them, and only for the answers of their part of the tree
    causes = page[page.index("Root causes chosen on the tickets of these answers") :]
    assert "Waiting" in page[: page.index("Root causes chosen")]
    assert 'Understaffed store</th><td class="num">2</td>' in causes
    assert 'Till broken</th><td class="num">1</td>' in causes
    assert "Billing system error" not in page
    assert f"/tickets/root-causes/?unit={themed.north.pk}" in causes


def test_the_explorer_filters_by_theme_and_highlights_the_phrase(themed, people, client):
    answer(themed, themed.store, 2, "Waited an hour in the queue <b>again</b>", n=1, at=NOW)
    answer(themed, themed.store, 9, "Great staff", n=2, at=NOW)
    drain()
    client.force_login(people["north_manager"])
    with time_machine.travel(NOW, tick=False):
        page = client.get("/responses/?theme=waiting&period=30d")
        html = page.content.decode()
        assert page.status_code == 200
        assert "<mark>queue</mark>" in html and "Great staff" not in html
        assert "&lt;b&gt;again&lt;/b&gt;" in html  # the comment's markup is shown, not run
        unknown = client.get("/responses/?theme=nonsense")
    assert unknown.status_code == 400 and "Unknown theme" in unknown.content.decode()


def test_an_admin_adopts_a_suggested_theme(themed, people, client):
    for n in range(40):
        topic = (
            "The eSIM activation failed",
            "Fingerprint sensor stopped",
            "Loyalty points vanished",
        )[n % 3]
        answer(themed, themed.store, 5, f"{topic} on day {n}", n=n, at=NOW)
    drain()
    made = do_suggest_themes(themed.account)
    assert made and all(s.examples and s.phrases for s in made)
    client.force_login(people["brand_admin"])
    suggestion = SuggestedTheme.objects.first()
    reply = client.post(
        f"/themes/suggestions/{suggestion.pk}/adopt", {"key": "loyalty", "name": "Loyalty"}
    )
    assert reply.status_code == 302
    theme = Theme.objects.get(account=themed.account, key="loyalty")
    assert theme.examples == suggestion.phrases
    assert RetagJob.objects.filter(account=themed.account, state="queued").exists()
    client.force_login(people["north_manager"])
    assert client.get("/themes/").status_code == 404  # only the account's admins edit themes


def test_the_themes_page_refuses_a_theme_without_examples(themed, people, client):
    client.force_login(people["brand_admin"])
    page = client.post(
        "/themes/new", {"key": "billing_errors", "name_en": "Billing errors", "examples": ""}
    )
    assert page.status_code == 400 and "at least one example phrase" in page.content.decode()
    assert not Theme.objects.filter(key="billing_errors").exists()


def test_the_api_analyses_comments_with_the_account_themes(themed, api):
    body = {
        "comments": [
            {"id": "a1", "text": "Die Lieferung kam drei Tage zu spät"},
            {"id": 7, "text": "Battery died, charged twice", "language": "en"},
            {"id": "e", "text": "  "},
            {"id": "h", "text": "<script>x</script>😡"},
        ]
    }
    reply = api.post("/api/v1/comments/analyse", body, content_type="application/json")
    assert reply.status_code == 200
    out = {c["id"]: c for c in reply.json()["comments"]}
    assert out["a1"]["language"] == "de" and out["a1"]["sentiment"]["label"] == "negative"
    assert [t["key"] for t in out["a1"]["themes"]] == ["delivery"]
    assert {t["key"] for t in out["7"]["themes"]} == {"battery", "billing"}
    assert out["e"]["themes"] == [] and out["e"]["sentiment"]["label"] == "neutral"
    assert out["h"]["sentiment"]["label"] == "negative"
    assert not CommentAnalysis.objects.exists()  # nothing stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"comments": [{"id": "1"}]}, "comments[0].text"),
        ({"comments": [{"id": "1", "text": "x", "language": "it"}]}, "comments[0].language"),
        ({"comments": [{"id": str(n), "text": "x"} for n in range(1001)]}, "comments"),
        ({"comments": []}, "comments"),
    ],
)
def test_the_api_names_the_field_at_fault(themed, api, body, field):
    reply = api.post("/api/v1/comments/analyse", body, content_type="application/json")
    assert reply.status_code == 422
    assert field in [d["field"] for d in reply.json()["detail"]]


def test_the_theme_and_driver_reports_respect_a_unit_limited_key(themed, client):
    answer(themed, themed.store, 2, "North queue", n=1, at=NOW)
    answer(themed, themed.other_store, 2, "South billing error", n=2, at=NOW)
    drain()
    key = do_create_api_key(account=themed.account, name="north", unit=themed.north).secret
    north = client.__class__(headers={"Authorization": f"Bearer {key}"})
    with time_machine.travel(NOW, tick=False):
        reply = north.get("/api/v1/reports/themes")
        assert reply.status_code == 200
        assert [t["key"] for t in reply.json()["themes"]] == ["waiting"]
        assert north.get("/api/v1/reports/themes?unit=store-040").status_code == 404
        bad = north.get("/api/v1/reports/drivers?period=forever")
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "period"
        drivers = north.get("/api/v1/reports/drivers")
    assert drivers.status_code == 200 and drivers.json()["n"] == 1


def test_the_openapi_schema_lists_the_analysis_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/comments/analyse", "/api/v1/reports/themes", "/api/v1/reports/drivers"} <= set(
        paths
    )


def test_a_ticket_rule_routes_billing_complaints_to_the_billing_team(themed):
    billing = Theme.objects.get(account=themed.account, key="billing")
    ThemeRoute.objects.create(account=themed.account, theme=billing, unit=themed.team)
    angry = answer(themed, themed.store, 1, "I was charged twice and nobody helps", n=1, at=NOW)
    happy = answer(themed, themed.store, 10, "They refunded my bill at once, great", n=2, at=NOW)
    other = answer(themed, themed.store, 1, "Rude staff", n=3, at=NOW)
    assert theme_route(angry) == themed.team
    assert theme_route(happy) is None and theme_route(other) is None


def test_queries_stay_few_on_the_dashboard(themed, people, client, django_assert_max_num_queries):
    for n in range(20):
        answer(themed, themed.store, n % 11, f"Queue and price complaint {n}", n=n, at=NOW)
    drain()
    client.force_login(people["brand_admin"])
    from touchpoint.analysis.dashboard import themes_context
    from touchpoint.reports.params import check_report_request

    with django_assert_max_num_queries(12):
        themes_context(check_report_request(unit=themed.brand, now=NOW))
    assert connection.vendor in ("sqlite", "postgresql")


def test_the_weekly_digest_says_what_customers_talk_about(themed, people):
    from touchpoint.digests.actions import build_digest, render_digest

    for n in range(4):
        answer(themed, themed.store, 2, "The queue was endless", n=n, at=NOW)
    drain()
    content = build_digest(people["north_manager"], dt.date(2026, 11, 23))
    [section] = content.sections
    assert [t.theme.key for t in section.themes] == ["waiting"]
    text, html = render_digest(content)
    assert "What customers talk about" in text and "Waiting: 4 answers (few mentions)" in text
    assert "What customers talk about" in html
