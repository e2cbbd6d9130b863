"""Emails to colleagues about their access, through the outbox engine: an invitation to
join (its link minted as the email is composed, so no working link is ever stored) and the
notice that a membership was removed. The rows are `accounts.MemberMail`, made by the
people actions; claims, leases, retries, circuits and sweeps are the engine's."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from touchpoint.accounts.actions import INVITATION_DAYS, do_mint_member_link
from touchpoint.accounts.languages import speaking
from touchpoint.accounts.models import MemberInvitation, MemberMail, Membership
from touchpoint.outbox import engine
from touchpoint.outbox.transports import TransportError, Transports, smtp_destination

log = logging.getLogger("touchpoint.notifications")
State = MemberMail.State


class MemberMailQueue(engine.Queue):
    model = MemberMail
    name = "member mail"
    waiting = State.PENDING
    lease = dt.timedelta(minutes=2)
    backoff = (
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
    )
    related = ("account", "invitation__unit", "invitation__invited_by", "user")

    def without(self, rows: QuerySet, down: set[str]) -> QuerySet:
        return rows.none() if smtp_destination() in down else rows

    def compose(self, mail: MemberMail, transports: Transports):
        if mail.kind == MemberMail.Kind.INVITATION:
            message = _invitation_email(mail)
            if message is None:
                _finish(mail, "the invitation was accepted or revoked before it was sent")
                return None
        elif mail.kind == MemberMail.Kind.PASSWORD_RESET:
            message = _password_reset_email(mail)
            if message is None:
                _finish(mail, "the person can no longer sign in with a password")
                return None
        else:
            message = _removal_email(mail)
        return transports.email(), message

    def sent(self, mail: MemberMail, result, now: dt.datetime) -> dict:
        return {"state": State.SENT, "sent_at": now, "last_error": ""}

    def after_sent(self, mail: MemberMail) -> None:
        if mail.invitation_id:
            MemberInvitation.objects.filter(pk=mail.invitation_id).update(sent_at=timezone.now())

    def retry(self, mail: MemberMail, error: TransportError, wait, now) -> dict:
        return {"last_error": f"attempt {mail.attempts} failed, retry in {wait}: {error}"[:500]}

    def failed(self, mail: MemberMail, error: TransportError, reason: str, now) -> dict:
        return {"state": State.FAILED, "last_error": f"{reason}: {error}"[:500]}

    def interrupted(self, now: dt.datetime) -> dict:
        return {
            "state": State.FAILED,
            "last_error": "the worker stopped while handing the email to the mail server; it "
            "may have been delivered, so it is not sent again",
        }


QUEUE = MemberMailQueue()


def send_due_member_mails(*, limit: int = 200) -> int:
    """Send the colleagues' emails that are due; returns how many went out."""
    return engine.send_due(QUEUE, limit=limit)


def sweep() -> dict[str, int]:
    return engine.sweep(QUEUE)


def _sender(mail: MemberMail) -> str:
    if mail.account is None:
        return f"Touchpoint <{settings.DEFAULT_FROM_EMAIL}>"
    return f"{mail.account.sender_name or mail.account.name} <{settings.DEFAULT_FROM_EMAIL}>"


def _password_reset_email(mail: MemberMail) -> EmailMultiAlternatives | None:
    """Django's reset link (it stops working once the password changes, or after
    PASSWORD_RESET_TIMEOUT), minted now, from SITE_URL."""
    user = mail.user
    if user is None or not user.is_active or not user.has_usable_password():
        return None
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "site_url": settings.SITE_URL,
    }
    with speaking(user):  # in the person's own language
        subject = render_to_string("accounts/email/password_reset_subject.txt", context)
        body = render_to_string("accounts/email/password_reset.txt", context)
        html = render_to_string("accounts/email/password_reset.html", context)
    message = EmailMultiAlternatives(
        subject="".join(subject.splitlines()),
        body=body,
        from_email=_sender(mail),
        to=[mail.to_email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _invitation_email(mail: MemberMail) -> EmailMultiAlternatives | None:
    invitation = mail.invitation
    token = do_mint_member_link(invitation)
    if token is None:
        return None
    context = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "link": settings.SITE_URL + reverse("accept-invitation", args=[token]),
        "days": INVITATION_DAYS,
    }
    # In the language chosen on the invitation (the account's when none was).
    with speaking(account=mail.account, language=invitation.language or None):
        subject = _("You are invited to {account} on Touchpoint").format(account=mail.account.name)
        body = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=_sender(mail),
        to=[mail.to_email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _removal_email(mail: MemberMail) -> EmailMultiAlternatives:
    user = get_user_model().objects.filter(email__iexact=mail.to_email).first()
    context = {
        "account": mail.account,
        "unit_name": mail.unit_name,
        "by_name": mail.by_name,
        "other_units": user is not None
        and Membership.objects.filter(user=user, unit__account=mail.account).exists(),
    }
    with speaking(user, account=mail.account):
        subject = _("Your access to {unit} in {account} was removed").format(
            unit=mail.unit_name, account=mail.account.name
        )
        body = render_to_string("accounts/email/removed.txt", context)
        html = render_to_string("accounts/email/removed.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=_sender(mail),
        to=[mail.to_email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _finish(mail: MemberMail, why: str) -> None:
    MemberMail.objects.filter(pk=mail.pk, state=State.SENDING, claimed_by=mail.claimed_by).update(
        state=State.CANCELLED,
        last_error=why[:500],
        lease_expires_at=None,
        claimed_by="",
        updated_at=timezone.now(),
    )
