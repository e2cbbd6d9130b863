"""Shared fixtures: a smartphone brand with its tree, touchpoints, an API key, a real SMTP
server (aiosmtpd) on a free local port, and a clock."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.fake_twilio import twilio  # noqa: F401  (the fixture, for every test module)
from touchpoint.accounts.actions import do_create_api_key, do_create_unit
from touchpoint.accounts.models import Account, Unit
from touchpoint.events import actions as events
from touchpoint.notifications import delivery as notifications
from touchpoint.surveys.models import Touchpoint


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page a test client fetched in German leaves
    German active on the thread (LocaleMiddleware activates, nothing deactivates)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Brand:
    account: Account
    brand: Unit
    north: Unit
    store: Unit  # store-012, in the north region
    other_store: Unit
    vendor: Unit
    team: Unit
    agent: Unit  # agent-431 of CallCo
    repair_centre: Unit
    purchase: Touchpoint
    support: Touchpoint
    repair: Touchpoint
    web: Touchpoint
    api_key: str


@pytest.fixture
def brand(db) -> Brand:
    account = Account.objects.create(name="Nimbus Mobile", slug="nimbus", time_zone="Europe/Paris")
    root = do_create_unit(account=account, kind="brand", code="nimbus", name="Nimbus Mobile")
    north = do_create_unit(account=account, kind="region", code="north", name="North", parent=root)
    south = do_create_unit(account=account, kind="region", code="south", name="South", parent=root)
    store = do_create_unit(
        account=account, kind="store", code="store-012", name="Lille Centre", parent=north
    )
    other = do_create_unit(
        account=account, kind="store", code="store-040", name="Nice Port", parent=south
    )
    vendor = do_create_unit(
        account=account, kind="vendor", code="callco", name="CallCo", parent=root
    )
    team = do_create_unit(
        account=account, kind="team", code="callco-t1", name="Team 1", parent=vendor
    )
    agent = do_create_unit(
        account=account, kind="agent", code="agent-431", name="Agent 431", parent=team
    )
    centre = do_create_unit(
        account=account, kind="repair_centre", code="repair-3", name="Repair Centre 3", parent=root
    )
    touchpoints = {
        "purchase": Touchpoint.objects.create(
            account=account, slug="store-purchase", name="Store purchase", kind="store_purchase"
        ),
        "support": Touchpoint.objects.create(
            account=account, slug="support-call", name="Support call", kind="support_call"
        ),
        "repair": Touchpoint.objects.create(
            account=account,
            slug="repair",
            name="Repair",
            kind="repair",
            delay=dt.timedelta(hours=48),
            quiet_hours_start=dt.time(21),
            quiet_hours_end=dt.time(8),
        ),
        "web": Touchpoint.objects.create(
            account=account, slug="sign-up", name="Sign-up", kind="sign_up", channel="web"
        ),
    }
    key = do_create_api_key(account=account, name="tests").secret
    return Brand(
        account, root, north, store, other, vendor, team, agent, centre, api_key=key, **touchpoints
    )


@pytest.fixture
def outsider(db) -> Account:
    """Another account, which must never see or touch the brand's data."""
    account = Account.objects.create(name="Other Co", slug="other")
    do_create_unit(account=account, kind="brand", code="nimbus", name="Other brand")
    return account


@pytest.fixture
def api(brand) -> Client:
    return Client(headers={"Authorization": f"Bearer {brand.api_key}"})


@dataclass
class Mailbox:
    """What a real SMTP server received. `refuse` makes it answer 451 (try again later)."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    connections: set = field(default_factory=set)  # client (host, port) of each SMTP session
    refuse: int = 0
    # Recipients refused for good at RCPT (550 user unknown): a hard bounce.
    unknown: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.connections.add(session.peer)
            if self.refuse:
                self.refuse -= 1
                return "451 Try again later"
            self.messages.append(
                email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                )
            )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost; Django's SMTP backend talks to it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


@pytest.fixture
def smtp_down(settings):
    """A mail server address where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2
    return settings


def interaction(brand: Brand, **overrides) -> dict:
    """A valid store-purchase interaction payload; override any key."""
    payload = {
        "external_id": "sale-1",
        "touchpoint": "store-purchase",
        "unit": "store-012",
        "occurred_at": "2026-11-20T10:00:00+01:00",
        "contact": {"email": "ana@example.com", "name": "Ana", "locale": "en"},
        "properties": {"phone_model": "Nimbus X5"},
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def people(brand, outsider):
    """Named personas across the hierarchy, each with one membership."""
    from django.contrib.auth import get_user_model

    from touchpoint.accounts.models import Membership

    def person(username: str, unit: Unit, role: str):
        user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
        Membership.objects.create(user=user, unit=unit, role=role)
        return user

    return {
        "brand_admin": person("cx-lead", brand.brand, "admin"),
        "north_manager": person("north-manager", brand.north, "manager"),
        "south_store_manager": person("nice-manager", brand.other_store, "manager"),
        "vendor_manager": person("callco-manager", brand.vendor, "manager"),
        "agent": person("agent-431", brand.agent, "frontline"),
        "outsider": person("other-co", Unit.objects.get(account=outsider), "admin"),
    }


def answer(
    brand: Brand,
    unit: Unit,
    score: int,
    comment: str = "",
    *,
    n: int = 0,
    at: dt.datetime | None = None,
    touchpoint: Touchpoint | None = None,
    channel: str = "email",
    attributes: dict | None = None,
    properties: dict | None = None,
):
    """An answer stored as the intake stores one (its rollups' change in the delta log), on
    20 November 2026 unless `at` says otherwise; its contact has `attributes`, its
    interaction `properties`."""
    from touchpoint.lib.segments import snapshot
    from touchpoint.reports import rollups
    from touchpoint.responses.models import Response
    from touchpoint.surveys.models import Interaction

    contact = brand.account.contacts.create(
        email=f"{unit.code}-{score}-{n}@example.com", attributes=attributes or {}
    )
    interaction = Interaction.objects.create(
        account=brand.account,
        touchpoint=touchpoint or brand.purchase,
        contact=contact,
        unit=unit,
        occurred_at=at or dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
        payload_hash="x",
        properties=properties or {},
    )
    response = Response.objects.create(
        account=brand.account,
        interaction=interaction,
        contact=contact,
        touchpoint=touchpoint or brand.purchase,
        channel=channel,
        score=score,
        unit=unit,
        unit_path=unit.path,
        comment=comment,
        answered_at=interaction.occurred_at,
        segments=snapshot(contact.attributes, interaction.properties),
    )
    zone = brand.account.time_zone
    rollups.record(brand.account, [rollups.change_of(response, zone, plus=score)])
    return response


# --- Chromium ---------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's) per test module."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (bin/test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    page = context.new_page()
    yield page
    context.close()


def draw_answers(
    data, account, count: int, *, units, touchpoints, start, days: int, contacts=None
) -> list:
    """`count` answers drawn by hypothesis (unit, touchpoint, contact when given, channel,
    score, minute within `days` of `start`), stored with their rollups' changes in the delta
    log as the live path does."""
    from hypothesis import strategies as st

    from touchpoint.lib.bulk import bulk_insert
    from touchpoint.lib.segments import snapshot
    from touchpoint.reports import rollups
    from touchpoint.responses.actions import attribution_for
    from touchpoint.responses.models import Response

    made = []
    for _ in range(count):
        unit = data.draw(st.sampled_from(units))
        unit.refresh_from_db()
        touchpoint = data.draw(st.sampled_from(touchpoints))
        contact = data.draw(st.sampled_from(contacts)) if contacts else None
        made.append(
            Response(
                account=account,
                unit=unit,
                unit_path=unit.path,
                attribution=attribution_for(unit),
                touchpoint=touchpoint,
                contact=contact,
                channel=data.draw(st.sampled_from(["email", "sms"])),
                score=data.draw(st.integers(0, 10)),
                answered_at=start + dt.timedelta(minutes=data.draw(st.integers(0, 60 * 24 * days))),
                segments=snapshot(contact.attributes if contact else None, None),
            )
        )
    bulk_insert(made)
    zone = account.time_zone
    rollups.record(account, [rollups.change_of(r, zone, plus=r.score) for r in made])
    return made


def fold_rollups() -> int:
    """What the worker does within a second of an answer: fold the rollups' waiting changes
    (figures do not need it, they add the changes; tests reading rollup rows do)."""
    from touchpoint.reports.folding import fold_pending

    done = 0
    while found := fold_pending(limit=100_000):
        done += found
    return done


def outbound() -> int:
    """What the worker does for everything outbound: relay the domain events to their
    subscribers, then send the due messages. Returns how many messages were sent."""
    events.relay()
    return notifications.send_due_deliveries()


def follow_up_path(ticket) -> str:
    """The follow-up link of a ticket, as its customer's email has it: the queued email
    composed as the worker composes it (its token exists only in that message)."""
    from touchpoint.notifications.models import Delivery

    queued = Delivery.objects.get(dedupe_key=f"ticket:{ticket.pk}:follow_up")
    found = re.search(r"/f/[\w-]+", notifications.compose(queued).body)
    assert found, "no follow-up link in the email"
    return found.group(0)


def inbound_path(connector) -> str:
    """The path of a connector's inbound address, as its page shows it (its key is rebuilt:
    the connector stores only a hash of it)."""
    from urllib.parse import urlsplit

    from touchpoint.connectors.actions import inbound_url

    return urlsplit(inbound_url(connector)).path
