"""People and access: password reset and invitations by email through a real SMTP server,
and the People page, scoped to one's part of the tree."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from touchpoint.accounts import actions
from touchpoint.accounts.models import MemberInvitation, MemberMail, Membership
from touchpoint.notifications import people as people_mail

pytestmark = pytest.mark.django_db(transaction=True)  # mail goes out on commit
User = get_user_model()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sent(smtp) -> list:
    """What the mail server received, once the outbox has sent what is due."""
    people_mail.send_due_member_mails()
    return smtp.messages


def link_in(message, pattern: str) -> str:
    """The link out of the received mail, checked in both the text and the HTML part."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    found = re.search(rf"http://testserver(/{pattern}\S*?)[\s\"]", text + "\n")
    assert found, text
    assert f'href="http://testserver{found.group(1)}"' in html
    return found.group(1)


# --- password reset ------------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_from_the_emailed_link(people, smtp):
    client = Client()
    response = client.post("/password-reset/", {"email": "NORTH-MANAGER@example.com"})
    assert response.status_code == 302
    assert len(sent(smtp)) == 1
    mail = sent(smtp)[0]
    assert mail["To"] == "north-manager@example.com"
    assert mail["Subject"] == "Your Touchpoint password"
    path = link_in(mail, "password-reset/")
    page = client.get(path, follow=True)
    assert b"Choose a new password" in page.content
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a new long secret", "new_password2": "a new long secret"},
        follow=True,
    )
    assert b"Your new password is saved" in done.content
    assert Client().login(username="north-manager", password="a new long secret")
    # The link works once.
    again = Client().get(path, follow=True)
    assert b"This link no longer works" in again.content


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(people, smtp):
    response = Client().post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert b"Check your email" in response.content
    assert sent(smtp) == []


def test_the_reset_link_uses_the_site_address_not_the_request_host(people, smtp, settings):
    settings.ALLOWED_HOSTS = ["*"]
    Client().post("/password-reset/", {"email": "cx-lead@example.com"}, HTTP_HOST="evil.example")
    text = sent(smtp)[0].get_body(("plain",)).get_content()
    assert "evil.example" not in text
    assert "http://testserver/password-reset/" in text


# --- invitations ---------------------------------------------------------------------------------


def test_an_admin_invites_a_person_who_joins_from_the_email(brand, people, smtp):
    admin = signed_in(people["brand_admin"])
    response = admin.post(
        "/people/invite", {"email": " Zoe@Example.com ", "unit": brand.store.pk, "role": "manager"}
    )
    assert response.status_code == 302
    mail = sent(smtp)[-1]
    assert mail["To"] == "zoe@example.com"
    assert "Lille Centre" in mail.get_body(("plain",)).get_content()
    path = link_in(mail, "join/")
    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert b"manager</strong> of <strong>Lille Centre" in page.content
    joined = visitor.post(
        path,
        {"name": "Zoe Martin", "password": "long enough pw 1", "password2": "long enough pw 1"},
        follow=True,
    )
    assert b"Welcome! You are now manager of Lille Centre." in joined.content
    zoe = User.objects.get(username="zoe@example.com")
    assert (zoe.first_name, zoe.last_name, zoe.email) == ("Zoe", "Martin", "zoe@example.com")
    assert Membership.objects.get(user=zoe).unit == brand.store
    assert Membership.objects.get(user=zoe).role == "manager"
    # Signed in at once, and the link cannot be used twice.
    assert visitor.get("/people/").status_code == 200
    assert Client().get(path).status_code == 404
    with pytest.raises(actions.PeopleError):
        actions.do_accept_invitation(
            token=path.removeprefix("/join/"), name="Eve", password="long enough pw 2"
        )
    assert User.objects.filter(username="zoe@example.com").count() == 1


def test_an_invitation_link_expires_after_seven_days(brand, people, smtp):
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), tick=False) as clock:
        actions.do_invite_member(
            by=people["brand_admin"], unit=brand.north, email="late@example.com", role="viewer"
        )
        path = link_in(sent(smtp)[-1], "join/")
        clock.move_to(dt.datetime(2026, 11, 8, 8, 59, tzinfo=dt.UTC))
        assert Client().get(path).status_code == 200
        clock.move_to(dt.datetime(2026, 11, 8, 9, 0, 1, tzinfo=dt.UTC))
        closed = Client().get(path)
        assert closed.status_code == 404
        assert b"no longer works" in closed.content
        posted = Client().post(
            path, {"name": "Late", "password": "long enough pw", "password2": "long enough pw"}
        )
        assert posted.status_code == 404
    assert not User.objects.filter(username="late@example.com").exists()


def test_resending_replaces_the_link_and_revoking_closes_it(brand, people, smtp):
    admin = people["brand_admin"]
    invitation = actions.do_invite_member(
        by=admin, unit=brand.north, email="sam@example.com", role="viewer"
    )
    first = link_in(sent(smtp)[-1], "join/")
    signed_in(admin).post(f"/people/invitations/{invitation.pk}/resend")
    second = link_in(sent(smtp)[-1], "join/")
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    signed_in(admin).post(f"/people/invitations/{invitation.pk}/revoke")
    assert Client().get(second).status_code == 404


def test_an_existing_user_accepts_while_signed_in(brand, people, smtp):
    manager = people["north_manager"]
    actions.do_invite_member(
        by=people["brand_admin"], unit=brand.vendor, email=manager.email, role="viewer"
    )
    path = link_in(sent(smtp)[-1], "join/")
    anonymous = Client().post(path)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    accepted = signed_in(manager).post(path)
    assert accepted.status_code == 302
    assert Membership.objects.get(user=manager, unit=brand.vendor).role == "viewer"


def test_a_manager_invites_within_their_scope_and_not_above_their_role(brand, people, smtp):
    manager = people["north_manager"]
    actions.do_invite_member(by=manager, unit=brand.store, email="a@example.com", role="manager")
    with pytest.raises(actions.PeopleError, match="above your own"):
        actions.do_invite_member(by=manager, unit=brand.store, email="b@example.com", role="admin")
    with pytest.raises(actions.PeopleError, match="admin or a manager"):
        actions.do_invite_member(
            by=manager, unit=brand.other_store, email="c@example.com", role="viewer"
        )
    with pytest.raises(actions.PeopleError, match="admin or a manager"):
        actions.do_invite_member(
            by=people["agent"], unit=brand.agent, email="d@example.com", role="frontline"
        )
    # Through the page: a unit outside the scope does not exist.
    page = signed_in(manager).post(
        "/people/invite", {"email": "e@example.com", "unit": brand.other_store.pk, "role": "viewer"}
    )
    assert page.status_code == 404
    assert [m["To"] for m in sent(smtp)] == ["a@example.com"]


# --- the People page -----------------------------------------------------------------------------


def member_names(client: Client) -> set[str]:
    html = client.get("/people/").content.decode()
    return set(re.findall(r"<span class=\"muted\">([\w.-]+@example\.com)</span>", html))


def test_the_people_page_shows_members_of_ones_scope_only(brand, people, outsider):
    everyone = {f"{u.username}@example.com" for k, u in people.items() if k != "outsider"}
    assert member_names(signed_in(people["brand_admin"])) == everyone
    assert member_names(signed_in(people["north_manager"])) == {"north-manager@example.com"}
    assert member_names(signed_in(people["vendor_manager"])) == {
        "callco-manager@example.com",
        "agent-431@example.com",
    }
    assert member_names(signed_in(people["outsider"])) == {"other-co@example.com"}


def test_memberships_are_changed_and_removed_within_scope_only(brand, people):
    vendor_manager = signed_in(people["vendor_manager"])
    agent = Membership.objects.get(user=people["agent"])
    north = Membership.objects.get(user=people["north_manager"])
    assert (
        vendor_manager.post(f"/people/members/{agent.pk}/role", {"role": "viewer"}).status_code
        == 302
    )
    agent.refresh_from_db()
    assert agent.role == "viewer"
    vendor_manager.post(f"/people/members/{agent.pk}/role", {"role": "admin"})
    agent.refresh_from_db()
    assert agent.role == "viewer"  # not above their own
    assert vendor_manager.post(f"/people/members/{north.pk}/remove").status_code == 404
    assert (
        signed_in(people["outsider"]).post(f"/people/members/{agent.pk}/remove").status_code == 404
    )
    assert vendor_manager.post(f"/people/members/{agent.pk}/remove").status_code == 302
    assert not Membership.objects.filter(pk=agent.pk).exists()
    assert Membership.objects.filter(pk=north.pk).exists()


def test_invitations_of_another_scope_are_not_found(brand, people, smtp):
    invitation = actions.do_invite_member(
        by=people["brand_admin"], unit=brand.other_store, email="x@example.com", role="viewer"
    )
    for persona in ("north_manager", "outsider", "agent"):
        client = signed_in(people[persona])
        assert client.post(f"/people/invitations/{invitation.pk}/revoke").status_code == 404
        assert client.post(f"/people/invitations/{invitation.pk}/resend").status_code == 404
    assert MemberInvitation.objects.get(pk=invitation.pk).revoked_at is None
    assert len(sent(smtp)) == 1


def test_signed_out_visitors_are_sent_to_sign_in(db):
    assert Client().get("/people/")["Location"].startswith("/login/")


def test_an_invitation_waits_out_a_mail_server_outage_and_no_link_is_stored(
    brand, people, smtp_down, settings
):
    actions.do_invite_member(
        by=people["brand_admin"], unit=brand.north, email="kim@example.com", role="viewer"
    )
    assert people_mail.send_due_member_mails() == 0  # the server is down: nothing lost
    [mail] = MemberMail.objects.all()
    assert (mail.state, mail.to_email) == ("pending", "kim@example.com")
    # What is stored cannot act: only a hash of a link that is minted at sending time.
    stored = " ".join(str(v) for v in MemberMail.objects.values().get().values())
    stored += " ".join(str(v) for v in MemberInvitation.objects.values().get().values())
    assert "/join/" not in stored


def test_a_removed_member_is_told_by_email(brand, people, smtp):
    agent = Membership.objects.get(user=people["agent"])
    assert (
        signed_in(people["vendor_manager"]).post(f"/people/members/{agent.pk}/remove").status_code
        == 302
    )
    [mail] = sent(smtp)
    assert mail["To"] == "agent-431@example.com"
    assert (
        mail["Subject"] == f"Your access to {brand.agent.name} in {brand.account.name} was removed"
    )
    assert "callco-manager removed your access" in mail.get_body(("plain",)).get_content()


def test_a_revoked_invitation_waiting_to_be_sent_is_never_sent(brand, people, smtp):
    invitation = actions.do_invite_member(
        by=people["brand_admin"], unit=brand.north, email="lou@example.com", role="viewer"
    )
    actions.do_revoke_member_invitation(by=people["brand_admin"], invitation=invitation)
    assert sent(smtp) == []
    assert MemberMail.objects.get().state == "cancelled"


def test_a_password_reset_asked_twice_while_waiting_sends_one_email(people, smtp_down):
    for _ in range(2):
        Client().post("/password-reset/", {"email": "cx-lead@example.com"})
    assert people_mail.send_due_member_mails() == 0  # the mail server is down
    [mail] = MemberMail.objects.all()
    assert (mail.kind, mail.state, mail.to_email) == (
        "password_reset",
        "pending",
        "cx-lead@example.com",
    )
    stored = " ".join(str(v) for v in MemberMail.objects.values().get().values())
    assert "password-reset/" not in stored
