"""The Delighted-compatible API, driven by Delighted's own official Python client library
(unchanged, from PyPI) against a live Touchpoint server, plus raw HTTP where the client hides
the detail (headers, auth variants, status codes)."""

from __future__ import annotations

import base64
import datetime as dt
import warnings

import pytest
import requests
from django.utils import timezone

from tests.conftest import fold_rollups
from touchpoint.contacts.models import Contact
from touchpoint.delighted.models import ResponseExtra
from touchpoint.reports.models import Rollup
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Invitation, RecurringMember

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # "Delighted is being sunset"
    import delighted


@pytest.fixture
def dl(live_server, transactional_db, brand):
    """The official client, pointed at this server with one changed line."""
    delighted.api_key = brand.api_key
    delighted.api_base_url = f"{live_server.url}/delighted/v1/"
    delighted.shared_client = None
    yield delighted
    delighted.shared_client = None


def http(brand, method, path, *, key=None, auth_suffix=":", headers=None, **kwargs):
    secret = brand.api_key if key is None else key
    token = base64.b64encode(f"{secret}{auth_suffix}".encode()).decode()
    all_headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    all_headers.update(headers or {})
    return requests.request(
        method, f"{delighted.api_base_url}{path}", headers=all_headers, timeout=10, **kwargs
    )


def histogram_total(brand) -> int:
    fold_rollups()  # what the worker does within a second of an answer
    rows = Rollup.objects.filter(account=brand.account, unit=brand.brand, grain="day")
    return sum(sum(r.histogram) for r in rows)


def test_person_with_delay_and_properties_gets_a_survey_planned_by_touchpoints_rules(dl, brand):
    before = timezone.now()
    person = dl.Person.create(
        email="Jony@Appleseed.com",
        name="Jony Appleseed",
        delay=3600,
        properties={"locale": "fr", "question_product_name": "Nimbus X5", "plan": "pro"},
    )
    assert person.id.isdigit()
    assert person["email"] == "jony@appleseed.com"
    assert person["properties"]["question_product_name"] == "Nimbus X5"
    scheduled = dt.datetime.fromtimestamp(person["survey_scheduled_at"], tz=dt.UTC)
    assert dt.timedelta(minutes=59) < scheduled - before < dt.timedelta(minutes=61)

    contact = Contact.objects.get(pk=int(person.id))
    assert (contact.name, contact.locale) == ("Jony Appleseed", "fr")
    invitation = Invitation.objects.get(contact=contact)
    assert invitation.state == "scheduled"
    assert invitation.touchpoint.slug == "delighted-email"
    assert invitation.interaction.properties["plan"] == "pro"


def test_a_second_request_within_the_quarantine_is_recorded_as_suppressed(dl, brand):
    dl.Person.create(email="ana@example.com")
    again = http(brand, "POST", "people.json", json={"email": "ana@example.com"})
    assert again.status_code == 200  # the person exists: updated, not created
    assert again.json()["survey_scheduled_at"] is None
    assert again.headers["X-Touchpoint-Invitation"] == "suppressed; reason=quarantine"
    states = sorted(Invitation.objects.values_list("state", "reason"))
    assert states == [("scheduled", ""), ("suppressed", "quarantine")]


def test_send_false_last_sent_at_and_identifier_updates(dl, brand):
    person = dl.Person.create(email="ben@example.com", send=False)
    assert person["survey_scheduled_at"] is None
    assert not Invitation.objects.exists()

    # Surveyed elsewhere 10 days ago: the account's 90-day quarantine holds.
    ten_days_ago = int((timezone.now() - dt.timedelta(days=10)).timestamp())
    dl.Person.create(email="ben@example.com", last_sent_at=ten_days_ago)
    assert Invitation.objects.get().reason == "quarantine"

    moved = dl.Person.create(
        email="ben@example.com", email_update="ben@new.example.com", send=False
    )
    assert moved.id == person.id
    assert Contact.objects.get(pk=int(person.id)).email == "ben@new.example.com"


def test_people_list_pages_with_a_link_header(dl, brand):
    emails = [f"p{i}@example.com" for i in range(5)]
    for email in emails:
        dl.Person.create(email=email, send=False)

    seen = [p["email"] for p in dl.Person.list(per_page=2).auto_paging_iter()]
    assert seen == emails

    first = http(brand, "GET", "people.json", params={"per_page": 2})
    link = first.headers["Link"]
    assert link.startswith("<http://") and link.endswith('>; rel="next"')
    assert [p["email"] for p in first.json()] == emails[:2]
    assert set(first.json()[0]) == {
        "id",
        "email",
        "name",
        "created_at",
        "phone_number",
        "last_sent_at",
        "last_responded_at",
        "next_survey_scheduled_at",
    }
    last = http(brand, "GET", "people.json", params={"per_page": 5})
    assert "Link" not in last.headers

    one = http(brand, "GET", "people", params={"email": "p3@example.com"})
    assert [p["email"] for p in one.json()] == ["p3@example.com"]
    future = int((timezone.now() + dt.timedelta(hours=1)).timestamp())
    assert http(brand, "GET", "people", params={"since": future}).json() == []


def test_survey_responses_created_listed_expanded_updated_and_counted(dl, brand):
    person = dl.Person.create(email="cara@example.com", name="Cara", send=False)
    when = int(dt.datetime(2026, 3, 14, 12, tzinfo=dt.UTC).timestamp())
    created = dl.SurveyResponse.create(
        person=person.id,
        score=9,
        comment="Quick repair",
        created_at=when,
        person_properties={"store": "Lille"},
    )
    assert created["created_at"] == when
    assert created["person"] == person.id
    assert created["person_properties"] == {"store": "Lille"}
    dl.SurveyResponse.create(person=person.id, score=3)

    listed = dl.SurveyResponse.all(expand=["person"], order="desc")
    assert [r["score"] for r in listed] == [3, 9]
    assert isinstance(listed[0].person, dl.Person)
    assert listed[0].person["email"] == "cara@example.com"
    march = dl.SurveyResponse.all(since=when - 60, until=when + 60)
    assert [r.id for r in march] == [created.id]
    assert dl.SurveyResponse.all(person_email="nobody@example.com") == []
    assert len(dl.SurveyResponse.all(per_page=1, page=2)) == 1

    # The report of that day counts the answer on its original date.
    fold_rollups()
    day = Rollup.objects.get(
        unit=brand.brand,
        grain="day",
        period=dt.date(2026, 3, 14),
        touchpoint__slug="delighted-email",
    )
    assert day.histogram[9] == 1

    fetched = dl.SurveyResponse.retrieve(created.id, expand=["person"])
    fetched.score = 6
    saved = fetched.save()
    assert saved["score"] == 6
    fold_rollups()
    day.refresh_from_db()
    assert (day.histogram[9], day.histogram[6]) == (0, 1)

    metrics = dl.Metrics.retrieve()
    assert metrics["response_count"] == 2
    assert (metrics["detractor_count"], metrics["detractor_percent"], metrics["nps"]) == (
        2,
        100,
        -100,
    )
    only_march = dl.Metrics.retrieve(since=when - 60, until=when + 60)
    assert only_march["response_count"] == 1
    by_unit = dl.Metrics.retrieve(trend=brand.other_store.pk)
    assert by_unit["response_count"] == 0


def test_unsubscribes_bounces_and_pending_requests(dl, brand):
    dl.Unsubscribe.create(person_email="dan@example.com")
    unsubscribed = dl.Unsubscribe.all()
    assert [u["email"] for u in unsubscribed] == ["dan@example.com"]
    assert set(unsubscribed[0]) == {"person_id", "email", "name", "unsubscribed_at"}
    # An unsubscribed person is not surveyed; the invitation says why.
    dl.Person.create(email="dan@example.com")
    assert Invitation.objects.get().reason == "opted_out"

    dl.Person.create(email="eve@example.com", delay=86400)
    assert dl.SurveyRequest.delete_pending(person_email="eve@example.com") == {"ok": True}
    cancelled = Invitation.objects.get(contact__email="eve@example.com")
    assert (cancelled.state, cancelled.reason) == ("suppressed", "cancelled")

    Invitation.objects.filter(pk=cancelled.pk).update(state="failed", reason="delivery_error")
    assert [b["email"] for b in dl.Bounce.all()] == ["eve@example.com"]


def test_deleting_a_person_erases_them_and_keeps_reports_exact(dl, brand):
    person = dl.Person.create(email="fay@example.com", phone_number="+33612345678")
    created = dl.SurveyResponse.create(person=person.id, score=10, comment="Fay loved it")
    ResponseExtra.objects.create(
        account=brand.account,
        response_id=int(created.id),
        tags=["vip"],
        notes=[{"text": "Fay's husband called", "user_email": "cx@nimbus.example"}],
    )
    dl.AutopilotMembership.forEmail().create(person_email="fay@example.com")
    total = histogram_total(brand)

    assert dl.Person.delete(email="fay@example.com") == {"ok": True}
    assert not Contact.objects.filter(pk=int(person.id)).exists()
    assert not Interaction.objects.exists() and not Invitation.objects.exists()
    response = Response.objects.get()
    assert (response.score, response.comment, response.contact_id) == (10, "", None)
    assert (response.delighted.notes, response.delighted.tags) == ([], [])
    assert not RecurringMember.objects.exists()
    assert histogram_total(brand) == total == 1
    assert dl.Metrics.retrieve()["response_count"] == 1

    gone = http(brand, "DELETE", "people/phone_number:+33612345678")
    assert gone.status_code == 404
    assert gone.json() == {"status": 404, "message": "Not Found"}
    other = dl.Person.create(email="gus@example.com", send=False)
    assert http(brand, "DELETE", f"people/{other.id}.json").status_code == 202


def test_autopilot_memberships_map_onto_a_recurring_survey(dl, brand):
    config = dl.AutopilotConfiguration.retrieve("email")
    assert config["platform_id"] == "email" and config["active"] is True
    members = dl.AutopilotMembership.forEmail()
    added = members.create(person_email="hal@example.com", properties={"plan": "pro"})
    assert added["person"]["email"] == "hal@example.com"
    assert added["properties"] == {"plan": "pro"}

    listed = list(members.list().auto_paging_iter())
    assert [m["person"]["email"] for m in listed] == ["hal@example.com"]
    assert listed[0]["next_survey_request"]["properties"] == {"plan": "pro"}

    removed = members.delete(person_email="hal@example.com")
    assert removed["person"]["email"] == "hal@example.com"
    assert list(members.list().auto_paging_iter()) == []


def test_wrong_key_is_a_401_and_nothing_else(dl, brand):
    wrong = dl.Client(api_key="tpk_nope_nope")
    with pytest.raises(dl.errors.AuthenticationError) as caught:
        dl.Person.create(email="ivy@example.com", client=wrong)
    assert caught.value.response.status_code == 401
    assert not Contact.objects.exists()
    no_auth = requests.get(f"{delighted.api_base_url}people.json", timeout=10)
    assert no_auth.status_code == 401
    assert no_auth.json() == {"status": 401, "message": "Unauthorized"}


@pytest.mark.parametrize("suffix", [":", "", ":ignored-password"])
def test_the_key_is_the_user_name_with_or_without_a_password(dl, brand, suffix):
    assert http(brand, "GET", "people.json", auth_suffix=suffix).status_code == 200


def test_406_when_json_is_not_accepted_unless_the_path_ends_in_json(dl, brand):
    html = {"Accept": "text/html"}
    refused = http(brand, "GET", "metrics", headers=html)
    assert refused.status_code == 406
    assert refused.json() == {"status": 406, "message": "Not Acceptable"}
    assert http(brand, "GET", "metrics.json", headers=html).status_code == 200


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("people", {"name": "No address"}, "email"),
        ("people", {"email": "a@example.com", "channel": "fax"}, "channel"),
        ("people", {"email": "not-an-email"}, "email"),
        ("people", {"email": "a@example.com", "channel": "sms"}, "phone_number"),
        ("people", {"email": "a@example.com", "delay": -5}, "delay"),
        ("survey_responses", {"person": "1", "score": 11}, "score"),
    ],
)
def test_invalid_requests_are_422_in_delighteds_error_shape(dl, brand, path, payload, field):
    if path == "survey_responses":
        payload["person"] = dl.Person.create(email="jo@example.com", send=False).id
    with pytest.raises(dl.errors.ResourceValidationError) as caught:
        dl.Client().request_json("post", path, {}, payload)
    body = caught.value.response.body
    import json

    data = json.loads(body)
    assert data["status"] == 422 and data["message"] == "Unprocessable Entity"
    assert list(data["errors"]) == [field]
    assert isinstance(data["errors"][field], list)
    assert not Invitation.objects.exists() and not Response.objects.exists()


def test_a_flood_is_429_with_retry_after(dl, brand, settings):
    settings.DELIGHTED_RATE_LIMIT = 3
    for _ in range(3):
        dl.Metrics.retrieve()
    with pytest.raises(dl.errors.TooManyRequestsError) as caught:
        dl.Metrics.retrieve()
    assert 1 <= caught.value.retry_after <= 60
    # The count lives in the database: another client (or process) with the key is refused too.
    assert http(brand, "GET", "metrics.json").status_code == 429


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_is_exact_across_concurrent_connections(brand, settings):
    """Eight workers with their own database connections (as eight web processes would have)
    share one count: exactly the limit gets through."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(
            "real concurrent writers need PostgreSQL (the SQLite test database is in memory)"
        )

    from touchpoint.accounts.models import ApiKey
    from touchpoint.delighted.actions import check_rate

    settings.DELIGHTED_RATE_LIMIT = 50
    key = ApiKey.objects.get(account=brand.account)
    now = timezone.now().replace(second=1)
    start = threading.Barrier(8)
    outcomes: list[int | None] = []
    lock = threading.Lock()

    def worker():
        start.wait()
        for _ in range(10):
            wait = check_rate(key, now=now)
            with lock:
                outcomes.append(wait)
        connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(None) == 50
    assert [w for w in outcomes if w is not None] == [59] * 30
