"""What an invitation (or one of its reminders) says: the email and the SMS, in the
contact's language, with the survey and unsubscribe links."""

from __future__ import annotations

import json
import logging
import re
from email.utils import formatdate
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from touchpoint.lib import links, sms
from touchpoint.outbox.transports import SMTP_BACKEND, EmailTransport, PreparedEmail, SmsMessage
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.tokens import PURPOSE, LinkLost, survey_token
from touchpoint.surveys.wording import direction, invitation_wording

log = logging.getLogger("touchpoint.delivery")

# An SMS invitation costs at most this many segments (two: 306 GSM-7 or 134 UCS-2 characters).
SMS_MAX_SEGMENTS = 2


def survey_url(invitation: Invitation, score: int | None = None) -> str:
    """The invitation's survey link, its token rebuilt in memory (LinkLost if it cannot be)."""
    url = f"{settings.SITE_URL}/s/{survey_token(invitation)}"
    return url if score is None else f"{url}?score={score}"


def survey_url_or_none(invitation: Invitation) -> str | None:
    """The survey link to show an API client, or None when it cannot be rebuilt."""
    try:
        return survey_url(invitation)
    except LinkLost:
        return None


def unsubscribe_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/u/{survey_token(invitation)}"


def compose_email(invitation: Invitation, *, reminder: int = 0) -> EmailMultiAlternatives:
    """The invitation email: multipart, localised, eleven one-click scores, unsubscribe.
    With `reminder` (its number), the same survey as a reminder: its own subject and a first
    line saying so, and a Message-ID of its own."""
    account, contact = invitation.account, invitation.contact
    lang, texts = invitation_wording(invitation, name=True)
    link = survey_url(invitation)
    if reminder:
        texts["subject"] = texts["reminder_subject"]
        texts["context"] = f"{texts['reminder_intro']} {texts['context']}"
    context = {
        "texts": texts,
        "lang": lang,
        "contact": contact,
        "account": account,
        "scores": [
            (n, f"{link}?score={n}", texts["out_of_ten"].replace("{score}", str(n)))
            for n in range(11)
        ],
        "dir": direction(lang),
        "survey_url": link,
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
            # The same id on every attempt: mail systems fold a rare duplicate into one. The
            # hash's start keeps ids apart across databases (ids restart) and tells nothing
            # of the token.
            "Message-ID": f"<invitation-{invitation.pk}{f'.r{reminder}' if reminder else ''}"
            f".{(invitation.token_hash or '')[:12]}@{domain}>",
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


# --- Rendered once, sent many times ----------------------------------------------------------
#
# An invitation email differs from the next one of the same touchpoint, store and language
# only by its link's token, its id, the contact's name and address, the store's name and the
# date. Rendering
# the two templates and building the MIME message cost about twenty times what sending it
# to a local mail server does, so the outbox renders each such shape once, with stand-ins
# for those values, and fills them in per message. Anything the stand-ins could not stand
# for faithfully (a name in the subject, a non-ASCII address) is rendered in full.

# The stand-in's link: a nonce whose token (derived as every link's is) the real one replaces.
_NONCE = "stand-in-for-the-invitations-own-nonce"
_PK = "8675309123456789"
_EMAIL = "tq7vx.address.z8wk@example.invalid"
_NAME_ASCII, _NAME_OTHER = "Tq7vXnameZ8wK", "Tq7vXnameZ8wK\u00e9"
_UNIT_ASCII, _UNIT_OTHER = "Tq7vXunitZ8wK", "Tq7vXunitZ8wK\u00e9"
_DATE = re.compile(rb"^Date: [^\r\n]*\r\n", re.MULTILINE)


def prepare_email(invitation: Invitation, *, reminder: int = 0) -> EmailMessage | PreparedEmail:
    """The invitation email as `compose_email` makes it, already rendered to what goes on the
    wire when mail goes out over SMTP (byte for byte what Django's SMTP backend would send,
    but for the MIME boundary and the date); the message object otherwise."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return compose_email(invitation, reminder=reminder)
    account, contact, touchpoint = invitation.account, invitation.contact, invitation.touchpoint
    name, address, unit = contact.name or "", contact.email or "", invitation.unit.name
    if not (address.isascii() and address.isprintable() and " " not in address) or any(
        len(text) > 200 or not text.isprintable() for text in (name, unit)
    ):
        return EmailTransport().prepare(compose_email(invitation, reminder=reminder))
    shape = (
        reminder,
        contact.locale,
        bool(name),
        name.isascii(),
        account.pk,
        account.name,
        account.sender_name,
        account.reply_to,
        account.default_locale,
        touchpoint.pk,
        touchpoint.kind,
        json.dumps(touchpoint.wording, sort_keys=True),
        bool(unit),
        unit.isascii(),
    )
    skeleton = _skeleton(shape, invitation, reminder)
    if skeleton is None:
        return EmailTransport().prepare(compose_email(invitation, reminder=reminder))
    head, html, sender, stand_token, stand_hash = skeleton
    token = survey_token(invitation).encode()
    # A unit's name reaches the templates only through the wording (the stand-in has no
    # other field), as the contact's name does.
    date = b"Date: " + formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode() + b"\r\n"
    fill = [
        (stand_token, token),
        (stand_hash[:12], (invitation.token_hash or "")[:12].encode()),
        (_PK.encode(), str(invitation.pk).encode()),
        (_EMAIL.encode(), address.encode()),
    ]
    for stand_in, value in fill:
        head, html = head.replace(stand_in, value), html.replace(stand_in, value)
    for text, plain, other in ((name, _NAME_ASCII, _NAME_OTHER), (unit, _UNIT_ASCII, _UNIT_OTHER)):
        if text:
            sentinel = (plain if text.isascii() else other).encode()
            head = head.replace(sentinel, text.encode())
            html = html.replace(sentinel, escape(text).encode())
    return PreparedEmail(sender=sender, recipients=[address], data=_DATE.sub(date, head, 1) + html)


_skeletons: dict[tuple, tuple[bytes, bytes, str, bytes, bytes] | None] = {}


def _skeleton(shape: tuple, invitation: Invitation, reminder: int):
    """The shape's message with stand-ins, split before its HTML part (the name is escaped
    there), and its sender; None when the stand-ins cannot stand in."""
    if shape in _skeletons:
        return _skeletons[shape]
    if len(_skeletons) >= 512:
        _skeletons.clear()
    contact, unit = invitation.contact, invitation.unit

    def stand_in_for(text: str, plain: str, other: str) -> str:
        return (plain if text.isascii() else other) if text else ""

    stand_token = links.derive(PURPOSE, _NONCE, settings.SECRET_KEY)
    stand_hash = links.digest(stand_token)
    stand_in: Any = SimpleNamespace(
        pk=_PK,
        token_nonce=_NONCE,
        token_hash=stand_hash,
        account=invitation.account,
        touchpoint=invitation.touchpoint,
        unit=SimpleNamespace(name=stand_in_for(unit.name, _UNIT_ASCII, _UNIT_OTHER)),
        contact=SimpleNamespace(
            name=stand_in_for(contact.name or "", _NAME_ASCII, _NAME_OTHER),
            email=_EMAIL,
            locale=contact.locale,
        ),
    )
    message = compose_email(stand_in, reminder=reminder)
    prepared = EmailTransport().prepare(message)
    assert isinstance(prepared, PreparedEmail)
    data = prepared.data
    split = data.find(b"Content-Type: text/html")
    usable = (
        split > 0
        and _NAME_ASCII not in message.subject
        and _UNIT_ASCII not in message.subject
        and data.count(stand_hash[:12].encode()) == 1
        and data.count(stand_token.encode()) >= 1
        and data.count(_EMAIL.encode()) == 1
        and _DATE.search(data) is not None
        and max(len(line) for line in data.split(b"\r\n")) < 800
    )
    found = (
        (data[:split], data[split:], prepared.sender, stand_token.encode(), stand_hash.encode())
        if usable
        else None
    )
    _skeletons[shape] = found
    return found
