"""What an invitation (or one of its reminders) says: the email and the SMS, in the
contact's language, with the survey and unsubscribe links."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from touchpoint.lib import sms
from touchpoint.outbox.transports import SmsMessage
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.wording import direction, invitation_wording

log = logging.getLogger("touchpoint.delivery")

# An SMS invitation costs at most this many segments (two: 306 GSM-7 or 134 UCS-2 characters).
SMS_MAX_SEGMENTS = 2


def survey_url(invitation: Invitation, score: int | None = None) -> str:
    url = f"{settings.SITE_URL}/s/{invitation.token}"
    return url if score is None else f"{url}?score={score}"


def unsubscribe_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/u/{invitation.token}"


def compose_email(invitation: Invitation, *, reminder: int = 0) -> EmailMultiAlternatives:
    """The invitation email: multipart, localised, eleven one-click scores, unsubscribe.
    With `reminder` (its number), the same survey as a reminder: its own subject and a first
    line saying so, and a Message-ID of its own."""
    account, contact = invitation.account, invitation.contact
    lang, texts = invitation_wording(invitation, name=True)
    if reminder:
        texts["subject"] = texts["reminder_subject"]
        texts["context"] = f"{texts['reminder_intro']} {texts['context']}"
    context = {
        "texts": texts,
        "lang": lang,
        "contact": contact,
        "account": account,
        "scores": [
            (n, survey_url(invitation, n), texts["out_of_ten"].replace("{score}", str(n)))
            for n in range(11)
        ],
        "dir": direction(lang),
        "survey_url": survey_url(invitation),
        "unsubscribe_url": unsubscribe_url(invitation),
    }
    sender = f"{account.sender_name or account.name} <{settings.DEFAULT_FROM_EMAIL}>"
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]
    message = EmailMultiAlternatives(
        subject=texts["subject"],
        body=render_to_string("surveys/email/invitation.txt", context),
        from_email=sender,
        to=[contact.email or ""],  # planned only for a contact with an address
        reply_to=[account.reply_to] if account.reply_to else None,
        headers={
            # The same id on every attempt: mail systems fold a rare duplicate into one.
            "Message-ID": f"<invitation-{invitation.pk}{f'.r{reminder}' if reminder else ''}"
            f".{(invitation.token or '')[:12]}@{domain}>",
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": lang,
        },
    )
    message.attach_alternative(
        render_to_string("surveys/email/invitation.html", context), "text/html"
    )
    return message


def compose_sms(invitation: Invitation, *, reminder: int = 0) -> SmsMessage:
    """The invitation SMS, in the contact's language, within SMS_MAX_SEGMENTS segments.

    The fullest text that fits is chosen: context, question, "reply with a number" and the
    survey link; then without the context; then the short question with the link or the
    reply instruction. Typographic look-alikes are folded to GSM-7 first, so one curly quote
    does not turn the message into UCS-2 and halve its room.
    """
    account, contact = invitation.account, invitation.contact
    lang, texts = invitation_wording(invitation)
    if reminder:
        texts["context"] = texts["reminder_intro"]
        texts["subject"] = texts["reminder_subject"]
    with translation.override(lang):
        reply = gettext("Reply with a number from 0 to 10.")
        link = gettext("Or answer here: {url}").format(url=survey_url(invitation))
        stop = gettext("Reply STOP to opt out.")
    brand = f"{account.sender_name or account.name}:"
    variants = [
        [brand, texts["context"], texts["question"], reply, link, stop],
        [brand, texts["question"], reply, link, stop],
        [brand, texts["question"], reply, stop],
        [brand, texts["subject"], link, stop],
        [brand, texts["subject"], reply, stop],
    ]
    for parts in variants:
        body = sms.normalise(" ".join(part for part in parts if part))
        if sms.measure(body).segments <= SMS_MAX_SEGMENTS:
            break
    else:
        log.warning("invitation %s: SMS wording longer than %s segments", invitation.pk, 2)
    return SmsMessage(to=contact.phone or "", body=body)
