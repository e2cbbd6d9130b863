"""The project around the domain: settings, commands, admin, dev outbox, home page."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from email.message import EmailMessage

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import answer, free_port
from touchpoint.accounts.actions import access_api_key
from touchpoint.accounts.models import ApiKey
from touchpoint.devmail.mailsink import start_mailsink
from touchpoint.outbox.models import CapturedEmail

pytestmark = pytest.mark.django_db


def run_touchpoint(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "touchpoint", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_app_refuses_to_start_with_the_default_secret_key_in_production(tmp_path):
    result = run_touchpoint("check", TOUCHPOINT_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is the built-in development key" in result.stderr
    assert run_touchpoint("check", DEBUG="true", TOUCHPOINT_DATA_DIR=str(tmp_path)).returncode == 0
    ok = run_touchpoint("check", SECRET_KEY="x" * 50, TOUCHPOINT_DATA_DIR=str(tmp_path))
    assert ok.returncode == 0, ok.stderr


def test_a_malformed_boolean_setting_is_a_clear_error(tmp_path):
    result = run_touchpoint("check", DEBUG="maybe", TOUCHPOINT_DATA_DIR=str(tmp_path))
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


def test_create_api_key_prints_a_working_key_once(brand, capsys):
    call_command("create-api-key", "nimbus", "--name", "pos")
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("tpk_")
    assert access_api_key(secret).account == brand.account
    assert not ApiKey.objects.filter(key_hash=secret).exists()


def test_create_api_key_for_an_unknown_account_fails_clearly(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No account with slug 'nope'"):
        call_command("create-api-key", "nope")


@pytest.fixture
def staff(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_every_admin_page_renders(staff, brand):
    from django.contrib import admin

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="boss")
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert staff.get(reverse(f"{name}_changelist")).status_code == 200, name
        if model_admin.has_add_permission(request):
            assert staff.get(reverse(f"{name}_add")).status_code == 200, name
    assert (
        staff.get(reverse("admin:accounts_unit_change", args=[brand.store.pk])).status_code == 200
    )


def test_minting_a_key_in_the_admin_shows_it_once(staff, brand):
    page = staff.post(
        reverse("admin:accounts_apikey_add"),
        {"account": brand.account.pk, "name": "shop"},
        follow=True,
    )
    text = page.content.decode()
    assert "copy it now, it will not be shown again" in text
    secret = text.split("The new API key is ")[1].split(" ")[0]
    assert access_api_key(secret).name == "shop"


def test_moving_a_unit_in_the_admin_keeps_the_tree_right(staff, brand):
    url = reverse("admin:accounts_unit_change", args=[brand.team.pk])
    page = staff.post(
        url,
        {
            "account": brand.account.pk,
            "parent": brand.brand.pk,
            "kind": "team",
            "code": "callco-t1",
            "name": "Team 1",
            "time_zone": "",
            "is_active": "on",
        },
    )
    assert page.status_code == 302
    brand.agent.refresh_from_db()
    assert brand.agent.path == f"{brand.brand.path}{brand.team.pk}/{brand.agent.pk}/"


def test_the_mail_catch_all_feeds_the_dev_outbox(settings, client, transactional_db):
    settings.DEV_OUTBOX = True
    client.force_login(get_user_model().objects.create_user("op", is_staff=True))
    port = free_port()
    controller = start_mailsink("127.0.0.1", port)
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.test", "b@x.test", "Hello"
        message.set_content("plain body")
        message.add_alternative(
            "<html><head></head><body><a href='/s/x'>go</a></body></html>", subtype="html"
        )
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    captured = CapturedEmail.objects.get()
    assert (captured.subject, captured.recipients) == ("Hello", ["b@x.test"])
    assert "Hello" in client.get("/dev/outbox/").content.decode()
    assert "plain body" in client.get(f"/dev/outbox/{captured.pk}/").content.decode()
    html = client.get(f"/dev/outbox/{captured.pk}/html").content.decode()
    assert '<base target="_top">' in html


def test_the_dev_outbox_is_off_in_production(settings, client, db):
    settings.DEV_OUTBOX = False
    client.force_login(get_user_model().objects.create_user("op", is_staff=True))
    assert client.get("/dev/outbox/").status_code == 404


def test_the_dev_outbox_needs_a_staff_sign_in_even_in_development(settings, client, people):
    """It holds every account's mail: a stranger is sent to sign in, and a signed-in person
    who is not staff (even an account admin) finds nothing there."""
    settings.DEV_OUTBOX = True
    captured = CapturedEmail.objects.create(
        subject="Your survey", recipients=["ana@example.com"], raw="Subject: Your survey\n\nhi"
    )
    paths = ["/dev/outbox/", f"/dev/outbox/{captured.pk}/", f"/dev/outbox/{captured.pk}/html"]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 302 and "/login/" in answer["Location"], path
    client.force_login(people["brand_admin"])
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert "Dev outbox" not in client.get("/").content.decode()  # no menu link to a 404
    client.force_login(get_user_model().objects.create_user("op", is_staff=True))
    assert "Your survey" in client.get("/dev/outbox/").content.decode()
    assert "Dev outbox" in client.get("/").content.decode()


def test_the_home_page_shows_staff_each_accounts_nps(staff, brand):
    for n, score in enumerate((10, 9, 9, 3)):
        answer(brand, brand.store, score, "Great" if score > 8 else "", n=n)
    with time_machine.travel("2026-11-21T00:00:00Z"):
        html = staff.get("/").content.decode()
    row = html.split("Nimbus Mobile · brand")[1].split("</tr>")[0]
    assert "+50" in row and "n = 4" in row and "few answers" in row  # (3 - 1) / 4


@pytest.mark.parametrize(
    "model, field, constraint",
    [
        ("surveys.Invitation", "token_hash", "invitation_token_hash_unique"),
        ("notifications.Delivery", "dedupe_key", "delivery_dedupe_key_unique"),
        ("connectors.ConnectorCall", "dedupe_key", "connector_call_dedupe_key_unique"),
        ("tickets.Ticket", "follow_up_hash", "ticket_follow_up_hash_unique"),
    ],
)
def test_a_hash_or_key_column_has_one_index_its_unique_one(model, field, constraint):
    """`unique=True` on a text column gives it, on PostgreSQL, a second index for LIKE
    searches. Nothing searches these by prefix; each row written paid an insert into it."""
    table = apps.get_model(model)._meta.db_table
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    indexed = {name: c["unique"] for name, c in found.items() if c["columns"] == [field]}
    if connection.vendor == "postgresql":
        assert indexed == {constraint: True}
    else:  # SQLite: the table's inline UNIQUE, or the constraint's index on a new table
        assert list(indexed.values()) == [True]
