"""Deliverability: a hard bounce or a complaint suppresses the address for its channel; the
account sees, searches, exports and lifts its suppression list on Setup, and providers post
their reports to a per-account hook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import interaction
from touchpoint.contacts import suppressions
from touchpoint.contacts.models import Suppression
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.setup.models import SetupChange
from touchpoint.surveys import delivery, reminders
from touchpoint.surveys.models import Invitation

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def planned(brand, n: int, email: str) -> Invitation:
    payload = interaction(
        brand,
        external_id=f"sale-{n}",
        occurred_at=NOW.isoformat(),
        contact={"email": email, "external_id": f"cust-{n}"},
    )
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.errors
    invitation = result.items[0].invitation
    invitation.refresh_from_db()
    return invitation


def active(brand) -> list[tuple[str, str, str]]:
    return list(
        suppressions.active(brand.account.pk)
        .order_by("address")
        .values_list("channel", "address", "reason")
    )


@pytest.fixture
def admin(people) -> Client:
    client = Client()
    client.force_login(people["brand_admin"])
    return client


def test_a_hard_bounce_fails_the_invitation_and_suppresses_the_address(brand, smtp):
    smtp.unknown.add("gone@example.com")
    invitation = planned(brand, 1, "Gone@Example.com")
    assert delivery.send_due_invitations() == 0
    invitation.refresh_from_db()
    assert (invitation.state, invitation.reason, invitation.attempts) == (
        "failed",
        "address_refused",
        1,
    )
    assert "550" in invitation.detail
    assert active(brand) == [("email", "gone@example.com", "hard_bounce")]
    [row] = Suppression.objects.all()
    assert row.source == "SMTP server" and "550" in row.detail
    # The next interaction of that person is not surveyed at all (a 30-day-later visit, out of
    # the quarantine), and says why.
    later = planned(brand, 2, "gone@example.com")
    assert (later.state, later.reason) == ("suppressed", "suppressed_address")
    assert smtp.messages == []


def test_a_temporary_refusal_is_not_a_bounce(brand, smtp):
    smtp.refuse = 1  # 451 at DATA: greylisting
    invitation = planned(brand, 1, "ana@example.com")
    delivery.send_due_invitations()
    invitation.refresh_from_db()
    assert invitation.state == "scheduled" and invitation.attempts == 1
    assert active(brand) == []


def test_an_address_suppressed_after_planning_is_stopped_before_sending(brand, smtp):
    invitation = planned(brand, 1, "ana@example.com")
    suppressions.do_suppress(
        account_id=brand.account.pk,
        channel="email",
        address="ANA@example.com",
        reason="complaint",
    )
    assert delivery.send_due_invitations() == 0
    invitation.refresh_from_db()
    assert (invitation.state, invitation.reason) == ("suppressed", "suppressed_address")
    assert smtp.messages == []


def test_a_batch_reads_the_suppression_list_once_and_stops_only_the_suppressed(brand, smtp):
    """The sender reads which of a batch's addresses are suppressed in one query, just
    before composing them: the suppressed one is stopped, the others go."""
    invitations = [
        planned(brand, n, email)
        for n, email in enumerate(["ana@example.com", "bo@example.com", "cy@example.com"], 1)
    ]
    suppressions.do_suppress(
        account_id=brand.account.pk, channel="email", address=" BO@example.com", reason="complaint"
    )
    with CaptureQueriesContext(connection) as captured:
        assert delivery.send_due_invitations() == 2
    reads = [q for q in captured.captured_queries if "contacts_suppression" in (q["sql"] or "")]
    assert len(reads) == 1, reads
    states = {}
    for invitation in invitations:
        invitation.refresh_from_db()
        states[invitation.contact.email] = (invitation.state, invitation.reason)
    assert states == {
        "ana@example.com": ("sent", ""),
        "bo@example.com": ("suppressed", "suppressed_address"),
        "cy@example.com": ("sent", ""),
    }
    assert sorted(m["To"] for m in smtp.messages) == ["ana@example.com", "cy@example.com"]


def test_a_reminder_to_a_suppressed_address_is_cancelled(brand, smtp, clock):
    brand.purchase.reminder_count, brand.purchase.reminder_after_days = 1, 3
    brand.purchase.save()
    planned(brand, 1, "ana@example.com")
    assert delivery.send_due_invitations() == 1
    suppressions.do_suppress(
        account_id=brand.account.pk, channel="email", address="ana@example.com", reason="complaint"
    )
    clock.move_to(NOW + dt.timedelta(days=3, minutes=1))
    assert reminders.send_due_reminders() == 0
    [reminder] = reminders.Reminder.objects.all()
    assert (reminder.state, reminder.detail) == (
        "cancelled",
        "the address is on the suppression list",
    )
    assert len(smtp.messages) == 1


def test_suppression_is_per_account_and_per_channel(brand, outsider, smtp):
    suppressions.do_suppress(
        account_id=outsider.pk, channel="email", address="ana@example.com", reason="complaint"
    )
    suppressions.do_suppress(
        account_id=brand.account.pk, channel="sms", address="+33612345678", reason="manual"
    )
    invitation = planned(brand, 1, "ana@example.com")
    assert invitation.state == "scheduled"
    assert delivery.send_due_invitations() == 1


# --- the feedback hook -----------------------------------------------------------------------


@pytest.fixture
def hook(brand) -> str:
    new = suppressions.do_create_feedback_key(account=brand.account, name="Amazon SES")
    return f"/hooks/feedback/{new.secret}"


def post_json(url: str, body) -> tuple[int, dict]:
    response = Client().post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_amazon_ses_bounces_and_complaints_through_sns(brand, hook):
    def sns(message: dict) -> dict:
        return {"Type": "Notification", "MessageId": "m1", "Message": json.dumps(message)}

    permanent = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [
                {"emailAddress": "gone@example.com", "diagnosticCode": "smtp; 550 5.1.1 unknown"}
            ],
        },
    }
    transient = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Transient", "bouncedRecipients": [{"emailAddress": "x@e.com"}]},
    }
    complaint = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": "Angry@Example.com"}],
            "complaintFeedbackType": "abuse",
        },
    }
    assert post_json(hook, sns(permanent)) == (200, {"reports": 1, "suppressed": 1})
    assert post_json(hook, sns(transient)) == (200, {"reports": 0, "suppressed": 0})
    assert post_json(hook, sns(complaint)) == (200, {"reports": 1, "suppressed": 1})
    assert post_json(hook, sns(permanent)) == (200, {"reports": 1, "suppressed": 0})  # once
    assert active(brand) == [
        ("email", "angry@example.com", "complaint"),
        ("email", "gone@example.com", "hard_bounce"),
    ]
    assert Suppression.objects.get(address="gone@example.com").source == "feedback hook (ses)"


def test_sendgrid_postmark_mailgun_and_the_plain_format(brand, hook):
    sendgrid = [
        {"event": "bounce", "type": "bounce", "email": "a@example.com", "reason": "550 unknown"},
        {"event": "bounce", "type": "blocked", "email": "soft@example.com"},
        {"event": "spamreport", "email": "b@example.com"},
        {"event": "delivered", "email": "ok@example.com"},
    ]
    assert post_json(hook, sendgrid)[1] == {"reports": 2, "suppressed": 2}
    postmark = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "c@example.com"}
    assert post_json(hook, postmark)[1] == {"reports": 1, "suppressed": 1}
    mailgun = {
        "signature": {},
        "event-data": {"event": "failed", "severity": "permanent", "recipient": "d@example.com"},
    }
    assert post_json(hook, mailgun)[1] == {"reports": 1, "suppressed": 1}
    plain = {"events": [{"type": "invalid_number", "address": "+34600111222"}]}
    assert post_json(hook, plain)[1] == {"reports": 1, "suppressed": 1}
    assert {a for _, a, _ in active(brand)} == {
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
        "+34600111222",
    }


ARF = b"""From: feedback@mailbox.example
To: abuse@touchpoint.example
Subject: FW: survey
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="part"

--part
Content-Type: text/plain

This is an email abuse report.

--part
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Rcpt-To: <carla@example.com>

--part
Content-Type: message/rfc822

From: Nimbus Mobile <surveys@touchpoint.example>
To: carla@example.com
Subject: How likely are you to recommend Nimbus Mobile?

Hello
--part--
"""


def test_an_arf_complaint_from_a_feedback_loop(brand, hook):
    response = Client().post(
        hook, ARF, content_type="multipart/report; report-type=feedback-report"
    )
    assert (response.status_code, response.json()) == (200, {"reports": 1, "suppressed": 1})
    assert active(brand) == [("email", "carla@example.com", "complaint")]


def test_a_twilio_status_callback_for_a_landline(brand, hook):
    response = Client().post(
        hook,
        "MessageStatus=undelivered&ErrorCode=30006&To=%2B441632960000&MessageSid=SM1",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.json() == {"reports": 1, "suppressed": 1}
    assert active(brand) == [("sms", "+441632960000", "invalid_number")]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "application/json", "no body"),
        (b"{not json", "application/json", "neither JSON nor an ARF report"),
        (b'{"type": "bounce"}', "application/json", "address is missing"),
        (b'{"type": "soft", "address": "a@b.co"}', "application/json", "type must be one of"),
        (b'[{"type":"bounce","address":"a@b.co"}, 3]', "application/json", "report objects"),
        (b'{"type": "bounce", "address": "12345"}', "application/json", "E.164"),
        (b'{"Type": "SubscriptionConfirmation"}', "application/json", "SubscribeURL"),
        (b"Hello=1", "application/x-www-form-urlencoded", "Twilio status callback"),
        (b"Feedback-Type: abuse\n", "message/feedback-report", "names no recipient"),
    ],
)
def test_a_body_no_format_fits_is_a_400_that_says_why(brand, hook, body, content_type, message):
    response = Client().post(hook, body, content_type=content_type)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Suppression.objects.count() == 0


def test_a_wrong_or_revoked_key_is_a_404(brand, hook):
    body = {"type": "bounce", "address": "a@example.com"}
    assert Client().post(hook + "x", body, content_type="application/json").status_code == 404
    suppressions.do_revoke_feedback_key(key=brand.account.feedback_keys.get())
    assert Client().post(hook, body, content_type="application/json").status_code == 404
    assert Client().get(hook).status_code == 405
    assert Suppression.objects.count() == 0


# --- the list on Setup -----------------------------------------------------------------------


def test_the_admin_lists_searches_and_exports_the_list(brand, admin, hook):
    for n in range(60):
        suppressions.do_suppress(
            account_id=brand.account.pk,
            channel="email",
            address=f"person{n:02}@example.com",
            reason="hard_bounce",
            detail="=HYPERLINK(1)" if n == 7 else "",
        )
    suppressions.do_suppress(
        account_id=brand.account.pk, channel="sms", address="+34600111222", reason="invalid_number"
    )
    page = admin.get("/setup/suppressions/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "60 email addresses and 1 phone numbers" in text
    assert "Page 1 of 2 (61 in all)" in text
    found = admin.get("/setup/suppressions/", {"q": "person07"}).content.decode()
    assert "person07@example.com" in found and "person08@example.com" not in found
    sms_only = admin.get("/setup/suppressions/", {"channel": "sms"}).content.decode()
    assert "+34600111222" in sms_only and "@example.com" not in sms_only
    export = admin.get("/setup/suppressions/export.csv", {"q": "person0"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 10
    assert {r["reason"] for r in rows} == {"hard_bounce"}
    assert next(r for r in rows if r["address"] == "person07@example.com")["detail"] == (
        "'=HYPERLINK(1)"
    )
    everything = admin.get("/setup/suppressions/export.csv")
    numbers = [
        r["address"]
        for r in csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode()))
        if r["channel"] == "sms"
    ]
    assert numbers == ["+34600111222"]  # a number is not mangled as a formula


def test_an_admin_lifts_with_a_reason_and_the_change_is_audited(brand, admin, smtp):
    row = suppressions.do_suppress(
        account_id=brand.account.pk, channel="email", address="ana@example.com", reason="complaint"
    )
    refused = admin.post("/setup/suppressions/", {"action": "lift", "id": row.pk, "reason": " "})
    assert refused.status_code == 400
    assert "Say why this address may be surveyed again." in refused.content.decode()
    assert active(brand) == [("email", "ana@example.com", "complaint")]
    lifted = admin.post(
        "/setup/suppressions/",
        {"action": "lift", "id": row.pk, "reason": "She asked us on the phone to write again"},
    )
    assert lifted.status_code == 302
    assert active(brand) == []
    row.refresh_from_db()
    assert row.lifted_by == "cx-lead" and row.lift_reason.startswith("She asked")
    change = SetupChange.objects.get(subject="suppression")
    assert (change.action, change.subject_label, change.actor) == (
        "lifted",
        "ana@example.com",
        "cx-lead",
    )
    assert change.after == {"suppressed": False, "why": "She asked us on the phone to write again"}
    # Lifted: surveyed again; the lifted row stays in the list's history.
    assert planned(brand, 1, "ana@example.com").state == "scheduled"
    history = admin.get("/setup/suppressions/", {"state": "lifted"}).content.decode()
    assert "She asked us on the phone" in history


def test_an_admin_adds_one_and_bad_input_changes_nothing(brand, admin):
    bad = admin.post(
        "/setup/suppressions/", {"action": "add", "channel": "sms", "address": "0612345678"}
    )
    assert bad.status_code == 400 and "E.164" in bad.content.decode()
    assert Suppression.objects.count() == 0
    added = admin.post(
        "/setup/suppressions/",
        {"action": "add", "channel": "email", "address": "Ana@Example.com", "detail": "by phone"},
    )
    assert added.status_code == 302
    assert active(brand) == [("email", "ana@example.com", "manual")]
    again = admin.post(
        "/setup/suppressions/", {"action": "add", "channel": "email", "address": "ana@example.com"}
    )
    assert again.status_code == 400 and "already suppressed" in again.content.decode()
    assert SetupChange.objects.filter(subject="suppression", action="added").count() == 1


def test_an_admin_makes_a_hook_address_shown_once(brand, admin):
    page = admin.post("/setup/suppressions/", {"action": "add_key", "name": "Postmark"})
    text = page.content.decode()
    assert page.status_code == 200
    start = text.index('id="new-secret">') + len('id="new-secret">')
    url = text[start : text.index("<", start)]
    assert "/hooks/feedback/fb_" in url
    secret = url.rsplit("/", 1)[1]
    assert secret not in admin.get("/setup/suppressions/").content.decode()
    key = brand.account.feedback_keys.get()
    assert key.key_hash != secret and secret not in key.key_hash
    response = Client().post(
        f"/hooks/feedback/{secret}",
        {"RecordType": "SpamComplaint", "Email": "z@example.com"},
        content_type="application/json",
    )
    assert response.json() == {"reports": 1, "suppressed": 1}


def test_only_account_admins_see_the_list(brand, people):
    manager = Client()
    manager.force_login(people["north_manager"])
    assert manager.get("/setup/suppressions/").status_code == 404
    assert manager.get("/setup/suppressions/export.csv").status_code == 404


def test_the_list_through_the_api(brand, api):
    added = api.post(
        "/api/v1/suppressions",
        {"channel": "email", "address": "Ana@Example.com", "detail": "asked by phone"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    row = added.json()
    assert (row["address"], row["reason"], row["lifted_at"]) == ("ana@example.com", "manual", None)
    bad = api.post(
        "/api/v1/suppressions",
        {"channel": "sms", "address": "0612"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "address"
    listed = api.get("/api/v1/suppressions", {"q": "ana"}).json()
    assert listed["total"] == 1 and listed["suppressions"][0]["id"] == row["id"]
    no_reason = api.post(
        f"/api/v1/suppressions/{row['id']}/lift", {"reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    lifted = api.post(
        f"/api/v1/suppressions/{row['id']}/lift",
        {"reason": "Consent renewed in store"},
        content_type="application/json",
    )
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "Consent renewed in store"
    assert api.get("/api/v1/suppressions").json()["total"] == 0
    assert api.get("/api/v1/suppressions", {"state": "lifted"}).json()["total"] == 1
    assert (
        api.post(
            "/api/v1/suppressions/999999/lift", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
