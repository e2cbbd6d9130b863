"""Secret links at rest: the survey, unsubscribe and follow-up links customers get open their
pages, but a copy of the database opens none of them (only a nonce and a hash are stored; the
token is rebuilt with SECRET_KEY when a message is composed). Links sent before the upgrade
keep working, and a SECRET_KEY rotated with its fallback keeps reminders carrying their link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import interaction, outbound
from tests.fake_twilio import sms_settings
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import InteractionIn
from touchpoint.lib import links
from touchpoint.notifications.models import Delivery
from touchpoint.responses.actions import do_answer_invitation
from touchpoint.surveys import delivery, reminders
from touchpoint.surveys.models import Invitation, LegacyLink, Reminder, Touchpoint
from touchpoint.tickets import actions as tickets
from touchpoint.tickets.models import Ticket

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r"/([suf])/([A-Za-z0-9_-]{16,})")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def database_dump() -> str:
    """Every value of every column of every table, as a dump would have them."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                values.extend(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row
                )
    return "\n".join(values)


def links_in(*texts: str) -> set[tuple[str, str]]:
    """(kind, token) of every survey (s), unsubscribe (u) and follow-up (f) link."""
    return {m.groups() for text in texts for m in LINK.finditer(text)}


def mail_text(message) -> str:
    parts = [message.get_body((kind,)) for kind in ("plain", "html")]
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    return headers + "\n" + "\n".join(p.get_content() for p in parts if p is not None)


def plan(brand, n: int, **overrides) -> Invitation:
    payload = interaction(
        brand,
        external_id=f"sale-{n}",
        occurred_at=NOW.isoformat(),
        contact={"email": f"c{n}@example.com", "name": f"Customer {n}", "locale": "en"},
    )
    payload.update(overrides)
    result = record_interactions(brand.account, [InteractionIn(**payload)])
    assert result.ok, result.errors
    return result.items[0].invitation


def test_a_database_dump_opens_no_survey_and_unsubscribes_no_one(
    brand, people, client, api, smtp, twilio, clock
):
    # Given an email survey with a reminder, an SMS survey, an in-app survey and a ticket
    # whose follow-up went out: every message sent, every token handed over.
    brand.purchase.reminder_count, brand.purchase.reminder_after_days = 1, 3
    brand.purchase.save()
    Touchpoint.objects.create(
        account=brand.account, slug="sms-purchase", name="SMS", kind="store_purchase", channel="sms"
    )
    Touchpoint.objects.create(
        account=brand.account, slug="app", name="App", kind="sign_up", channel="in_app"
    )
    sms_settings(brand.account)
    emailed = plan(brand, 1)
    plan(brand, 2, touchpoint="sms-purchase", contact={"phone": "+33612345678"})
    assert delivery.send_due_invitations() == 2
    clock.move_to(NOW + dt.timedelta(days=3, hours=1))
    assert reminders.send_due_reminders() == 1
    decided = api.post(
        "/api/v1/in-app/decisions",
        {"touchpoint": "app", "unit": "nimbus", "contact": {"external_id": "user-7"}},
        content_type="application/json",
    ).json()
    first_email, reminder_email = smtp.messages
    survey = {t for kind, t in links_in(mail_text(first_email)) if kind == "s"}
    assert len(survey) == 1
    [token] = survey
    assert client.post(f"/s/{token}", {"score": "2", "comment": "Rude staff"}).status_code == 302
    ticket = Ticket.objects.get(response__invitation=emailed)
    tickets.do_change_state(ticket, actor=people["north_manager"], state="resolved")
    outbound()
    [follow_up] = [m for m in smtp.messages if m["To"] == "c1@example.com"][2:]
    assert {kind for kind, _ in links_in(mail_text(follow_up))} == {"f"}

    sent = links_in(
        *(mail_text(m) for m in smtp.messages if m["To"] != "north-manager@example.com"),
        *(m["Body"] for m in twilio.messages),
    ) | {("s", decided["token"])}
    assert {kind for kind, _ in sent} == {"s", "u", "f"}
    assert len({t for _, t in sent}) == 4  # email (+ its reminder and unsubscribe), SMS, app, f
    assert links_in(mail_text(reminder_email)) == links_in(mail_text(first_email))
    # Each link opens its page...
    for kind, secret in sent:
        assert client.get(f"/{kind}/{secret}").status_code == 200, (kind, secret)

    # ...and no column of any table holds one of them, or the start of one (a Message-ID
    # used to carry the token's first 12 characters).
    dump = database_dump()
    for _, secret in sent:
        assert secret not in dump and secret[:12] not in dump
    for message in smtp.messages:
        assert not any(secret[:12] in message["Message-ID"] for _, secret in sent)
    # What is stored is only the hash, which opens nothing.
    emailed.refresh_from_db()
    ticket.refresh_from_db()
    for stored in (emailed.token_hash, ticket.follow_up_hash):
        assert stored in dump
        assert client.get(f"/s/{stored}").status_code == 404
        assert client.get(f"/f/{stored}").status_code == 404
    assert links.digest(token) == emailed.token_hash


def test_a_rotated_secret_key_keeps_the_links_with_its_fallback(
    brand, smtp, client, settings, clock
):
    # Given a survey sent with two reminders to come
    brand.purchase.reminder_count, brand.purchase.reminder_after_days = 2, 3
    brand.purchase.save()
    plan(brand, 1)
    assert delivery.send_due_invitations() == 1
    [(_, token)] = {link for link in links_in(mail_text(smtp.messages[0])) if link[0] == "s"}
    old_key = settings.SECRET_KEY

    # When the key is rotated with the old one as a fallback, the reminder carries the link
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-for-this-test", [old_key]
    clock.move_to(NOW + dt.timedelta(days=3, hours=1))
    assert reminders.send_due_reminders() == 1
    assert ("s", token) in links_in(mail_text(smtp.messages[1]))

    # Without the fallback, the second reminder cannot rebuild it: it is not sent (a reminder
    # with a link that opens nothing would be worse), and says why
    settings.SECRET_KEY_FALLBACKS = []
    clock.move_to(NOW + dt.timedelta(days=6, hours=1))
    assert reminders.send_due_reminders() == 0
    last = Reminder.objects.get(number=2)
    assert last.state == "cancelled" and "SECRET_KEY_FALLBACKS" in last.detail
    # The link already sent opens all the same: it is looked up by its hash, keyless
    assert client.get(f"/s/{token}").status_code == 200

    # An invitation planned under the old key and not sent yet gets a new link that opens
    plan(brand, 2)
    Invitation.objects.filter(contact__email="c2@example.com").update(
        token_hash=links.digest("planned-under-another-key-00000"), token_nonce="0" * 32
    )
    assert delivery.send_due_invitations() == 1
    [(_, fresh)] = {link for link in links_in(mail_text(smtp.messages[-1])) if link[0] == "s"}
    assert client.get(f"/s/{fresh}").status_code == 200


# --- The upgrade -------------------------------------------------------------------------------

BEFORE = [
    ("surveys", "0010_invitation_suppression_reasons"),
    ("tickets", "0002_ticketrule_escalate"),
]


@pytest.mark.django_db(transaction=True)
def test_links_sent_before_the_upgrade_keep_working_and_leave_the_database(
    brand, people, client, smtp
):
    with time_machine.travel(NOW, tick=False) as clock:
        # Given, before the upgrade: a survey sent with a reminder to come, one sent without,
        # one planned for later; two resolved tickets, one follow-up sent, one waiting.
        brand.purchase.reminder_count, brand.purchase.reminder_after_days = 1, 3
        brand.purchase.save()
        reminded = plan(brand, 1)
        answered_later = plan(brand, 2, touchpoint="support-call", unit="store-012")
        assert delivery.send_due_invitations() == 2
        later = plan(brand, 3, touchpoint="repair", unit="repair-3")  # 48 hours' delay
        resolved = []
        for n in (4, 5):
            invitation = plan(brand, n, touchpoint="support-call", unit="store-012")
            response, _ = do_answer_invitation(invitation, score=2)
            ticket = Ticket.objects.get(response=response)
            tickets.do_change_state(ticket, actor=people["north_manager"], state="resolved")
            resolved.append(ticket)
        outbound()  # the follow-ups (and the managers' notices) go out
        smtp.messages.clear()

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        legacy = {name: links.derive("test", name, "made-before") for name in "abcde"}
        old_invitations = old.get_model("surveys", "Invitation").objects
        for name, invitation in zip("abc", (reminded, answered_later, later), strict=True):
            old_invitations.filter(pk=invitation.pk).update(token=legacy[name])
        for name, ticket, state in zip("de", resolved, ("sent", "pending"), strict=True):
            old.get_model("tickets", "Ticket").objects.filter(pk=ticket.pk).update(
                follow_up_token=legacy[name]
            )
            email = Delivery.objects.get(dedupe_key=f"ticket:{ticket.pk}:follow_up")
            mark = links.placeholder("follow_up")
            Delivery.objects.filter(pk=email.pk).update(
                state=state,
                body_text=email.body_text.replace(mark, legacy[name]),
                body_html=email.body_html.replace(mark, legacy[name]),
                payload={},
            )

        # When the upgrade runs
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

        # Then the links sent open their pages, and the database holds none of them
        for path in (f"/s/{legacy['a']}", f"/u/{legacy['a']}", f"/s/{legacy['b']}"):
            assert client.get(path).status_code == 200, path
        assert client.get(f"/f/{legacy['d']}").status_code == 200
        assert client.get(f"/f/{legacy['e']}").status_code == 404  # never sent: replaced
        dump = database_dump()
        assert not [name for name, token in legacy.items() if token in dump]
        sent_copy = Delivery.objects.get(dedupe_key=f"ticket:{resolved[0].pk}:follow_up")
        assert f"/f/{links.placeholder('follow_up')}" not in sent_copy.body_text
        assert "/f/[removed]" in sent_copy.body_text
        assert LegacyLink.objects.get().invitation_id == reminded.pk

        # The waiting follow-up goes out with a new link that opens
        assert outbound() == 1
        [(kind, follow_up)] = links_in(mail_text(smtp.messages[-1]))
        assert kind == "f" and client.get(f"/f/{follow_up}").status_code == 200
        # The reminder carries a link its invitation can rebuild; the first one still opens
        clock.move_to(NOW + dt.timedelta(days=3, hours=1))
        assert delivery.send_due_invitations() == 1  # the one planned for later
        assert reminders.send_due_reminders() == 1
        reminder, planned = smtp.messages[-1], smtp.messages[-2]
        new_links = links_in(mail_text(reminder)) | links_in(mail_text(planned))
        assert {kind for kind, _ in new_links} == {"s", "u"}
        for kind, token in new_links:
            assert token not in legacy.values()
            assert client.get(f"/{kind}/{token}").status_code == 200
        assert client.get(f"/s/{legacy['a']}").status_code == 200
        assert client.get(f"/s/{legacy['c']}").status_code == 404  # never sent: replaced
