"""The weekly digest: due Monday 08:00 in each person's time zone, sent exactly once by any
number of workers, scoped to the person's units, readable as HTML and as plain text."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from tests.conftest import answer, outbound
from touchpoint.digests import actions
from touchpoint.digests.models import Digest
from touchpoint.notifications.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.UTC
MONDAY_8_PARIS = dt.datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Europe/Paris
ALL_DUE = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Paris, 08:00 in UTC
LAST_WEEK = dt.datetime(2026, 11, 18, 10, tzinfo=UTC)
WEEK_BEFORE = dt.datetime(2026, 11, 11, 10, tzinfo=UTC)
RECIPIENTS = {
    "cx-lead@example.com",
    "north-manager@example.com",
    "nice-manager@example.com",
    "callco-manager@example.com",
    "other-co@example.com",
}


@pytest.fixture
def week(brand):
    """Last week the north store turned round (busy enough for a weekly figure, 30 answers or
    more a week); the south store had a quiet week."""
    for n in range(30):
        answer(brand, brand.store, 3, "Waited forever" if n == 0 else "", n=n, at=WEEK_BEFORE)
    for n in range(30, 62):
        answer(brand, brand.store, 10, f"Lovely team {n}" if n > 57 else "", n=n, at=LAST_WEEK)
    answer(brand, brand.other_store, 2, "South secret complaint", n=40, at=LAST_WEEK)


def send() -> int:
    """What the worker does: build the due digests into the outbox, then send it."""
    built = actions.send_due_digests()
    outbound()
    return built


def recipients(smtp) -> list[str]:
    return sorted(m["To"] for m in smtp.messages)


def test_digests_are_due_on_monday_at_eight_local_time_and_sent_once(brand, people, smtp):
    brand.vendor.time_zone = "America/New_York"
    brand.vendor.save()
    with time_machine.travel(MONDAY_8_PARIS - dt.timedelta(minutes=1), tick=False) as clock:
        assert actions.schedule_digests() == 0
        clock.move_to(MONDAY_8_PARIS)
        assert actions.schedule_digests() == 3  # Paris; not the agent (frontline)
        assert send() == 3
        assert recipients(smtp) == [
            "cx-lead@example.com",
            "nice-manager@example.com",
            "north-manager@example.com",
        ]
        clock.move_to(dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # the other account: UTC
        assert actions.schedule_digests() == 1
        assert send() == 1
        clock.move_to(dt.datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # 08:00 in New York
        assert actions.schedule_digests() == 1
        assert send() == 1
        assert recipients(smtp) == sorted(RECIPIENTS)
        # The rest of the week: nothing more.
        for hours in (1, 20, 50, 100):
            clock.move_to(MONDAY_8_PARIS + dt.timedelta(hours=hours))
            actions.schedule_digests()
            assert send() == 0
        assert len(smtp.messages) == 5
        clock.move_to(MONDAY_8_PARIS + dt.timedelta(days=7))
        assert actions.schedule_digests() == 3
    assert Digest.objects.filter(state="sent").count() == 5
    assert set(Digest.objects.values_list("week", flat=True)) == {
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 30),
    }


def test_a_worker_down_all_monday_does_not_send_last_weeks_digest_late(people, smtp):
    with time_machine.travel(ALL_DUE + dt.timedelta(days=1, minutes=1), tick=False):
        assert actions.schedule_digests() == 0


def test_two_workers_racing_send_each_digest_once(people, smtp):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "real concurrent writers need PostgreSQL (the SQLite test database is in memory)"
        )
    with time_machine.travel(ALL_DUE, tick=False):
        barrier = threading.Barrier(2)
        sent, failed = [], []

        def worker():
            try:
                barrier.wait()
                actions.schedule_digests()
                sent.append(send())
            except Exception as error:  # a worker that crashed proves nothing about the race
                failed.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failed
    assert len(sent) == 2 and sum(sent) == 5
    assert recipients(smtp) == sorted(RECIPIENTS)
    assert Digest.objects.count() == 5


def test_a_digest_claimed_by_a_worker_that_died_is_sent_after_its_lease(people, smtp):
    with time_machine.travel(ALL_DUE, tick=False) as clock:
        actions.schedule_digests()
        row = Digest.objects.get(user=people["north_manager"])
        assert actions.claim(row.pk, now=ALL_DUE) is not None  # ... and the worker dies
        assert actions.claim(row.pk, now=ALL_DUE) is None  # no one else takes it
        assert send() == 4
        clock.move_to(ALL_DUE + actions.LEASE + dt.timedelta(seconds=1))
        assert send() == 1
    assert recipients(smtp) == sorted(RECIPIENTS)


def test_a_refused_digest_is_tried_again_later(people, smtp):
    smtp.refuse = 1
    with time_machine.travel(ALL_DUE, tick=False) as clock:
        actions.schedule_digests()
        assert send() == 5  # all built into the outbox; the mail server refused one
        assert len(smtp.messages) == 4
        assert Delivery.objects.filter(event_type="digest.weekly", state="pending").count() == 1
        clock.move_to(ALL_DUE + dt.timedelta(minutes=1))
        assert send() == 0
    assert recipients(smtp) == sorted(RECIPIENTS)


def test_the_digest_shows_ones_own_level_only(brand, people, smtp, week):
    with time_machine.travel(ALL_DUE, tick=False):
        actions.schedule_digests()
        send()
    mail = next(m for m in smtp.messages if m["To"] == "north-manager@example.com")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert mail["Subject"] == "Your week at North: NPS +100 (16 Nov 2026 to 22 Nov 2026)"
    assert (
        "NPS last week (16 Nov 2026 to 22 Nov 2026): +100 ± " in text and "from 32 answers" in text
    )
    assert "+200 points, a real change" in text  # from -100 the week before
    assert "Lovely team 61" in text and "Lovely team 58" in text
    assert "Waited forever" not in text  # the week before is not last week
    # Lille Centre is North's only store: nothing to stand apart from.
    assert "Store (last 4 weeks, 1 with answers" in text and "None stands apart" in text
    for part in (text, html):
        assert "South secret complaint" not in part and "Nice Port" not in part
    assert "A real change" in html and "Lovely team 61" in html
    assert "<style" not in html and "<link" not in html  # inline CSS only
    assert "http://testserver/digest/" in html
    admin = next(m for m in smtp.messages if m["To"] == "cx-lead@example.com")
    admin_text = admin.get_body(("plain",)).get_content()
    assert "South secret complaint" in admin_text
    assert "Region (last 4 weeks, 2 with answers" in admin_text
    outsider = next(m for m in smtp.messages if m["To"] == "other-co@example.com")
    assert "Lovely team" not in outsider.get_body(("plain",)).get_content()
    assert "no answers" in outsider["Subject"]


def test_a_small_units_week_reads_over_a_named_rolling_window_without_false_news(
    brand, people, smtp
):
    """The reported case: a store's digest shouted "down 100 points" from 2 answers against 1.
    Two answers make no weekly figure: the digest reads the last 90 days, names them, shows
    so few answers as an interval, and calls the change what it is."""
    answer(brand, brand.other_store, 10, n=1, at=dt.datetime(2026, 8, 1, 10, tzinfo=UTC))
    answer(brand, brand.other_store, 3, n=2, at=LAST_WEEK)
    answer(brand, brand.other_store, 2, n=3, at=LAST_WEEK)
    with time_machine.travel(ALL_DUE, tick=False):
        actions.schedule_digests()
        send()
    mail = next(m for m in smtp.messages if m["To"] == "nice-manager@example.com")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "NPS the last 90 days (25 Aug 2026 to 22 Nov 2026): between " in text
    assert "only 2 answers, raw NPS \u2212100" in text
    assert "2 answers last week: too few for a weekly figure" in text
    assert "no real change" in text and "points" not in text.split("Open tickets")[0]
    assert "▼" not in html and "No real change" in html
    assert "between" in mail["Subject"] and "over the last 90 days" in mail["Subject"]


def test_people_who_turn_the_digest_off_get_none(people, smtp):
    client = Client()
    client.force_login(people["north_manager"])
    assert client.post("/digest/", {"enabled": "0"}).status_code == 302
    assert b"The digest is <strong>off</strong>" in client.get("/digest/").content
    with time_machine.travel(ALL_DUE, tick=False):
        actions.schedule_digests()
        send()
    assert "north-manager@example.com" not in recipients(smtp)
    assert len(smtp.messages) == 4


def test_send_digests_now_sends_this_weeks_digest_once(people, smtp, week):
    with time_machine.travel(dt.datetime(2026, 11, 25, 15, tzinfo=UTC), tick=False):
        call_command("send-digests", "--now")
        assert recipients(smtp) == sorted(RECIPIENTS)
        call_command("send-digests", "--now")
    assert len(smtp.messages) == 5


def test_the_preview_shows_this_weeks_digest_in_the_browser(people, week):
    client = Client()
    client.force_login(people["north_manager"])
    with time_machine.travel(ALL_DUE, tick=False):
        page = client.get("/digest/preview")
    assert page.status_code == 200
    assert b"Lovely team 61" in page.content
    agent = Client()
    agent.force_login(people["agent"])
    assert agent.get("/digest/preview").status_code == 404


def test_the_dev_outbox_shows_a_digest_after_send_digests_now(people, week, settings):
    from tests.conftest import free_port
    from touchpoint.devmail.mailsink import start_mailsink

    settings.DEV_OUTBOX = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    controller = start_mailsink(settings.EMAIL_HOST, settings.EMAIL_PORT)
    try:
        with time_machine.travel(ALL_DUE, tick=False):
            call_command("send-digests", "--now")
    finally:
        controller.stop()
    client = Client()
    client.force_login(get_user_model().objects.create_user("op", is_staff=True))
    listing = client.get("/dev/outbox/").content.decode()
    assert "Your week at North: NPS +100" in listing
    from touchpoint.outbox.models import CapturedEmail

    captured = CapturedEmail.objects.get(subject__startswith="Your week at North")
    page = client.get(f"/dev/outbox/{captured.pk}/").content.decode()
    assert "100 ± " in page  # the 8bit UTF-8 text part reads right
    assert "Lovely team 61" in client.get(f"/dev/outbox/{captured.pk}/html").content.decode()


def test_the_digest_counts_open_tickets_in_ones_scope(brand, people, smtp, week):
    from touchpoint.responses.models import Response
    from touchpoint.tickets.actions import on_response_saved

    with time_machine.travel(LAST_WEEK, tick=False), transaction.atomic():
        for response in Response.objects.filter(score__lte=6):
            on_response_saved(response, created=True)
    with time_machine.travel(ALL_DUE, tick=False):
        actions.schedule_digests()
        send()
    texts = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
    assert "Open tickets: 30 (30 overdue)" in texts["north-manager@example.com"]
    assert "Open tickets: 1 (1 overdue)" in texts["nice-manager@example.com"]
    assert "Open tickets: 31 (31 overdue)" in texts["cx-lead@example.com"]
    assert "Open tickets: 0" in texts["other-co@example.com"]


def test_the_digest_page_speaks_the_accounts_time_and_dates_each_digest_by_its_sending(
    brand, people, smtp, week
):
    """The reported case: the page said 08:00 UTC for a London account, and dated a digest
    sent on 6 December as 30 November."""
    brand.account.time_zone = "Europe/London"
    brand.account.save()
    with time_machine.travel(dt.datetime(2026, 12, 6, 15, tzinfo=UTC), tick=False):
        call_command("send-digests", "--now")
        client = Client()
        client.force_login(people["north_manager"])
        html = client.get("/digest/", headers={"Accept-Language": "en-GB,en;q=0.8"})
        american = client.get("/digest/", headers={"Accept-Language": "en-US"})
    html = html.content.decode()
    assert "Every Monday at 8 a.m. (Europe/London time)" in html
    assert "UTC" not in html
    sent = html.split("<h3>Sent</h3>")[1]
    assert "Sent 6 Dec 2026, 3 p.m." in sent  # London time, the British format
    # The person's language in the account's country, whatever the browser says: a London
    # account never reads mm/dd/yyyy.
    assert "Sent 6 Dec 2026, 3 p.m." in american.content.decode()
    assert "the week of 23 Nov 2026 to 29 Nov 2026" in sent
