"""Answers without a hot row (issue 14, item 1): an answer appends its rollup change to a
delta log and touches no row another answer needs; the worker folds the log; figures add the
changes not yet folded, so they are exact at every moment: while answers are given at the
same time, folds and a rebuild run, and when a fold dies half-way."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import OperationalError, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import interaction
from tests.test_rollups import brute_force, fold, tables
from tests.test_segment_rollups import brute_segments, stored_segments
from touchpoint.events.models import Event
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.notifications.models import Delivery
from touchpoint.reports import figures, folding
from touchpoint.reports.dimensions import do_declare_dimension
from touchpoint.reports.models import RollupDelta
from touchpoint.reports.params import check_report_request
from touchpoint.responses.actions import do_answer_invitation, do_change_answer
from touchpoint.responses.models import Response
from touchpoint.surveys import delivery
from touchpoint.surveys.tokens import survey_token
from touchpoint.tickets.models import Ticket

NOW = dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)
TIERS = ["gold", "silver", "bronze"]


def sent_invitations(brand, count: int, prefix: str = "hot"):
    """`count` store-purchase invitations, sent by email (their contacts have a tier)."""
    result = record_interactions(
        brand.account,
        [
            InteractionIn(
                **interaction(
                    brand,
                    external_id=f"{prefix}-{n}",
                    unit=["store-012", "store-040"][n % 2],
                    contact={
                        "email": f"{prefix}-{n}@example.com",
                        "attributes": {"tier": TIERS[n % len(TIERS)]},
                    },
                )
            )
            for n in range(count)
        ],
    )
    assert len(result.items) == count, result
    delivery.send_due_invitations()
    out = []
    for item in result.items:
        item.invitation.refresh_from_db()
        out.append(item.invitation)
    return out


def statements(captured) -> list[str]:
    """The statements sent, less the test's own savepoints (a request commits instead). A
    prepared statement's run has no text to log on PostgreSQL (the page's invitation read)."""
    return [
        q["sql"] or "(prepared statement)"
        for q in captured.captured_queries
        if not (q["sql"] or "").startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def brand_figure(brand, **segments) -> list[int]:
    request = check_report_request(
        unit=brand.brand,
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        segments=segments or None,
        now=NOW,
    )
    return list(figures.report(request, comments=0).headline.histogram)


def raw_figure(brand, **segments) -> list[int]:
    histogram = [0] * 11
    rows = Response.objects.filter(account=brand.account)
    for name, values in segments.items():
        rows = rows.filter(**{f"segments__{name}__in": values})
    for score in rows.values_list("score", flat=True):
        histogram[score] += 1
    return histogram


@pytest.mark.django_db
@time_machine.travel(NOW, tick=True)
def test_a_promoters_answer_costs_at_most_five_statements(brand, smtp):
    promoter, detractor = sent_invitations(brand, 2)
    # Given a promoter's answer: the invitation locked (with everything the answer needs,
    # joined), the answer, the invitation's state, its event and its rollup change appended
    # to the log. No rollup row is touched; its reminders are the worker's (relayed).
    with CaptureQueriesContext(connection) as captured:
        do_answer_invitation(promoter, score=10)
    sql = statements(captured)
    assert len(sql) <= 5, sql
    assert not any("reports_rollup" in s and "reports_rollupdelta" not in s for s in sql), sql
    assert sum('INSERT INTO "reports_rollupdelta"' in s for s in sql) == 1
    # A detractor's ticket and its events are written in the same transaction.
    with CaptureQueriesContext(connection) as captured:
        response, _ = do_answer_invitation(detractor, score=2, comment="Slow")
    sql = statements(captured)
    assert Ticket.objects.filter(response=response).exists()
    assert sum('INSERT INTO "tickets_ticket"' in s for s in sql) == 1
    # Who manages the store's units; the ticket, its trail and its event (nobody to email).
    assert len(sql) <= 9, sql


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The request's transaction, which the ORM records as two statements of its own (BEGIN, or
# SQLite's BEGIN IMMEDIATE, and COMMIT); not counted in the answer's own.
TRANSACTION = 2


def answer_through_the_page(url: str, score: str, comment: str, max_queries, assert_max):
    """A respondent's visit: the page (one statement), then the form posted back with its
    CSRF token, the answer's statements counted."""
    client = Client(enforce_csrf_checks=True)
    with assert_max(1):
        page = client.get(url)
    assert page.status_code == 200
    csrf = CSRF_FIELD.search(page.content.decode())
    assert csrf is not None
    with assert_max(max_queries + TRANSACTION) as captured:
        answer = client.post(
            url, {"csrfmiddlewaretoken": csrf.group(1), "score": score, "comment": comment}
        )
    assert answer.status_code == 302 and answer["Location"] == f"{url}/thanks", answer
    return captured


@pytest.mark.django_db(transaction=True)  # the request's transaction is its own, as served
@time_machine.travel(NOW, tick=True)
def test_through_the_page_a_promoter_costs_five_statements_and_a_detractor_eleven(
    brand, people, smtp, django_assert_max_num_queries
):
    promoter, detractor = sent_invitations(brand, 2)
    # Given a promoter answering through the survey page: the page's one read of the
    # invitation (with all its answer needs), then the claim, the answer, its event and its
    # rollup change. Nothing else is read.
    captured = answer_through_the_page(
        f"/s/{survey_token(promoter)}", "10", "", 5, django_assert_max_num_queries
    )
    sql = statements(captured)
    assert sum(s.startswith(("SELECT", "(prepared statement)")) for s in sql) == 1, sql
    response = Response.objects.get(invitation=promoter)
    assert response.score == 10
    assert RollupDelta.objects.filter(response_id=response.pk).count() == 1
    assert Event.objects.filter(type="response.created", subject_id=response.pk).count() == 1
    # A detractor at the Nice store: the ticket goes to the store's manager, with its trail,
    # its event and the manager's email, all in the answer's transaction.
    captured = answer_through_the_page(
        f"/s/{survey_token(detractor)}", "2", "Slow", 11, django_assert_max_num_queries
    )
    response = Response.objects.get(invitation=detractor)
    ticket = Ticket.objects.get(response=response)
    assert list(ticket.assignees.all()) == [people["south_store_manager"]]
    assert ticket.holder == brand.other_store and ticket.events.count() == 1
    assert Event.objects.filter(type="ticket.opened", subject_id=ticket.pk).count() == 1
    emails = Delivery.objects.filter(user=people["south_store_manager"], event_type="ticket.opened")
    assert emails.count() == 1


@pytest.mark.django_db
@time_machine.travel(NOW, tick=True)
def test_a_fold_that_dies_half_way_leaves_the_log_as_it_was_and_figures_exact(
    brand, smtp, monkeypatch
):
    do_declare_dimension(brand.account, "contact.tier")
    folding.fold_pending()  # the backfill: nothing to count yet
    invitations = sent_invitations(brand, 6)
    for n, invitation in enumerate(invitations):
        do_answer_invitation(invitation, score=n + 4)
    expected = raw_figure(brand)
    waiting = RollupDelta.objects.filter(account=brand.account).count()
    assert waiting == 6 and brand_figure(brand) == expected

    # When a fold dies after adding the changes to the rollups, before the segment rollups.
    def dies(*args, **kwargs):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(folding, "apply_segments", dies)
    with pytest.raises(RuntimeError):
        folding.fold_account(brand.account.pk, limit=4)
    monkeypatch.undo()

    # Then nothing of it stays: the log is whole, the figures the same, and the next fold
    # moves every change exactly once.
    assert RollupDelta.objects.filter(account=brand.account).count() == waiting
    assert brand_figure(brand) == expected
    assert brand_figure(brand, **{"contact.tier": ["gold"]}) == raw_figure(
        brand, **{"contact.tier": ["gold"]}
    )
    fold(brand.account)
    assert tables(brand.account) == brute_force(brand.account)
    assert stored_segments(brand.account) == brute_segments(brand.account)
    assert brand_figure(brand) == expected


def _pg_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite has one writer at a time)")


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=True)
def test_a_fold_killed_mid_transaction_loses_nothing_and_readers_never_see_half(
    brand, smtp, monkeypatch
):
    _pg_only()
    do_declare_dimension(brand.account, "contact.tier")
    folding.fold_pending()
    for n, invitation in enumerate(sent_invitations(brand, 8)):
        do_answer_invitation(invitation, score=n % 11)
    expected, gold = raw_figure(brand), raw_figure(brand, **{"contact.tier": ["gold"]})
    halfway, resume = threading.Event(), threading.Event()
    real_apply_segments = folding.apply_segments
    backend: list[int] = []
    died: list[BaseException] = []

    def pause(*args, **kwargs):  # the fold has deleted its changes and added them to rollups
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend.append(cursor.fetchone()[0])
        halfway.set()
        resume.wait(30)
        return real_apply_segments(*args, **kwargs)

    def worker():
        try:
            folding.fold_account(brand.account.pk, limit=5)
        except OperationalError as error:  # its connection was killed
            died.append(error)
        finally:
            connections.close_all()

    monkeypatch.setattr(folding, "apply_segments", pause)
    thread = threading.Thread(target=worker)
    thread.start()
    assert halfway.wait(30)
    # While the fold holds its changes, uncommitted: readers see the log and rollups as
    # they were, and answers go on without waiting for it.
    assert brand_figure(brand) == expected
    assert brand_figure(brand, **{"contact.tier": ["gold"]}) == gold
    extra = sent_invitations(brand, 1, prefix="during")[0]
    do_answer_invitation(extra, score=10)
    expected[10] += 1
    assert brand_figure(brand) == expected
    # When the worker's process dies (its connection killed by the server).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend[0]])
    resume.set()
    thread.join(30)
    monkeypatch.undo()
    assert died, "the fold should have lost its connection"
    assert RollupDelta.objects.filter(account=brand.account).count() == 9
    assert brand_figure(brand) == expected
    fold(brand.account)
    assert tables(brand.account) == brute_force(brand.account)
    assert stored_segments(brand.account) == brute_segments(brand.account)
    assert brand_figure(brand) == expected


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=True)
def test_figures_stay_exact_while_answers_folds_and_a_rebuild_run_at_once(brand, smtp):
    _pg_only()
    do_declare_dimension(brand.account, "contact.tier")
    invitations = sent_invitations(brand, 48)
    answering = 4
    start = threading.Barrier(answering + 2)
    done = threading.Event()
    failures: list[BaseException] = []
    seen: list[tuple[int, int, int]] = []  # (answers before, figure, answers after)
    folded: list[int] = []  # changes and answers each pass of the worker counted

    def answer(share):
        try:
            start.wait()
            for n, invitation in enumerate(share):
                response, _ = do_answer_invitation(invitation, score=(n * 7) % 11)
                if n % 4 == 0:  # changed their mind
                    do_change_answer(response, score=(n * 3) % 11)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    def worker():
        try:
            start.wait()
            passes = 0
            while not done.is_set():
                folded.append(folding.fold_pending(limit=3))
                passes += 1
                if passes == 5:
                    folding.rebuild(brand.account)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=answer, args=(invitations[i::answering],)) for i in range(answering)
    ]
    threads.append(threading.Thread(target=worker))
    for t in threads:
        t.start()
    start.wait()
    # Answers only ever add to the count (a changed score keeps it): a figure read between
    # two counts of the stored answers lies between them, whatever the fold is doing.
    while any(t.is_alive() for t in threads[:answering]):
        before = Response.objects.filter(account=brand.account).count()
        figure = sum(brand_figure(brand))
        after = Response.objects.filter(account=brand.account).count()
        seen.append((before, figure, after))
    done.set()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert seen and sum(folded) > 0  # figures were read, and folds ran, while answers came
    assert all(before <= figure <= after for before, figure, after in seen), seen
    assert Response.objects.filter(account=brand.account).count() == 48
    # Then, folded or not, every figure is the raw count; folded, the rollups are the brute
    # force count, and a rebuild finds the same.
    assert brand_figure(brand) == raw_figure(brand)
    for tier in TIERS:
        only = {"contact.tier": [tier]}
        assert brand_figure(brand, **only) == raw_figure(brand, **only)
    fold(brand.account)
    assert tables(brand.account) == brute_force(brand.account)
    assert stored_segments(brand.account) == brute_segments(brand.account)
    folding.rebuild(brand.account)
    assert tables(brand.account) == brute_force(brand.account)
    assert stored_segments(brand.account) == brute_segments(brand.account)
