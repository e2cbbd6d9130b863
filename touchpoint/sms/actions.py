"""Replies customers text back: a score with words, a comment, STOP and START.

`do_receive_sms` is idempotent on the provider's message id: Twilio retries a webhook it
thinks failed, and the retry gets the same reply without storing anything twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from touchpoint.accounts.models import Account
from touchpoint.contacts.actions import do_opt_in, do_opt_out
from touchpoint.contacts.models import Contact
from touchpoint.responses.actions import InvalidAnswer, do_answer_invitation, do_change_answer
from touchpoint.sms.models import InboundSms
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.wording import language_for

# The keywords carriers and Twilio treat as opt-out and opt-in.
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
START_WORDS = {"start", "unstop"}
# "9", "9 great service", "9/10, great", "10!" — a score, then optional words.
SCORE = re.compile(r"\s*(10|[0-9])(?:\s*/\s*10)?(?=$|[\s,.;:!?)-])[\s,.;:!?)-]*(.*)", re.S)
# A number that is not a score ("11", "7.5", "-1") must not pass for a comment.
NUMBER = re.compile(r"\s*[-+]?\d+(?:[.,]\d+)?\s*(?:/\s*10)?\s*[.!]?\s*")
Outcome = InboundSms.Outcome


@dataclass(frozen=True)
class Reply:
    kind: str  # "stop", "start", "score", "comment", "unclear"
    score: int | None = None
    comment: str = ""


def parse_reply(body: str) -> Reply:
    text = (body or "").strip()
    word = re.sub(r"[^a-z]", "", text.lower())
    if word in STOP_WORDS:
        return Reply("stop")
    if word in START_WORDS:
        return Reply("start")
    match = SCORE.fullmatch(text)
    if NUMBER.fullmatch(text) and not (match and not match.group(2)):
        return Reply("unclear")  # "7.5", "11": a number, but not a score
    if match:
        return Reply("score", int(match.group(1)), match.group(2).strip())
    if not text:
        return Reply("unclear")
    return Reply("comment", comment=text)


def open_sms_invitation(contact: Contact) -> Invitation | None:
    """The contact's latest SMS invitation that can still be answered."""
    if contact.opted_out_of("sms"):
        return None
    return (
        Invitation.objects.select_related("account", "contact", "touchpoint", "unit")
        .filter(
            contact=contact,
            channel="sms",
            state__in=[Invitation.State.SENT, Invitation.State.ANSWERED],
            expires_at__gt=timezone.now(),
        )
        .order_by("-sent_at", "-pk")
        .first()
    )


def do_receive_sms(
    *, account: Account, message_sid: str, from_number: str, body: str
) -> InboundSms:
    """Act on one inbound SMS and return it with the reply to send (blank: none).

    Steps: store the message id first (a retry of the same message stops there and gets the
    first reply); find the contact by number; STOP opts out of SMS, START opts back in; a
    score answers their latest open SMS invitation (words after it are the comment); words
    alone add to the comment of an answer already given; anything else gets a polite request
    for a number from 0 to 10.
    """
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                account=account,
                message_sid=message_sid,
                from_number=from_number,
                body=body,
                outcome=Outcome.NOT_UNDERSTOOD,
            )
            _act(inbound)
            inbound.save(update_fields=["outcome", "reply", "invitation"])
            return inbound
    except IntegrityError:
        existing = InboundSms.objects.filter(message_sid=message_sid).first()
        if existing is None:
            raise
        return existing


def _act(inbound: InboundSms) -> None:
    contact = Contact.objects.filter(account=inbound.account, phone=inbound.from_number).first()
    reply = parse_reply(inbound.body)
    lang = language_for(contact.locale if contact else "", inbound.account.default_locale)
    if reply.kind in ("stop", "start"):
        # The provider confirms STOP and START itself (Twilio's opt-out handling): no reply.
        inbound.outcome = Outcome.OPTED_OUT if reply.kind == "stop" else Outcome.OPTED_IN
        if contact is not None and reply.kind == "stop":
            do_opt_out(contact=contact, channel="sms")
        elif contact is not None:
            do_opt_in(contact=contact, channel="sms")
        return
    invitation = open_sms_invitation(contact) if contact is not None else None
    with translation.override(lang):
        if invitation is None:
            inbound.outcome = Outcome.NO_SURVEY
            inbound.reply = gettext("Thank you. There is no survey open for this number.")
            return
        inbound.invitation = invitation
        answered = invitation.state == Invitation.State.ANSWERED
        try:
            if reply.kind == "score":
                do_answer_invitation(
                    invitation, score=reply.score, comment=reply.comment, locale=lang
                )
                inbound.outcome = Outcome.ANSWERED
                inbound.reply = (
                    gettext("Thank you for your answer!")
                    if reply.comment
                    else gettext(
                        "Thank you! If you like, reply with the main reason for your score."
                    )
                )
                return
            if reply.kind == "comment" and answered:
                response = invitation.response
                comment = (
                    f"{response.comment}\n{reply.comment}" if response.comment else reply.comment
                )
                do_change_answer(response, comment=comment)
                inbound.outcome = Outcome.COMMENTED
                inbound.reply = gettext("Thank you, we have added your comment.")
                return
        except InvalidAnswer:  # the one comment limit, as on every other way in
            inbound.outcome = Outcome.NOT_UNDERSTOOD
            inbound.reply = gettext("Sorry, that message is too long. Please send a shorter one.")
            return
        inbound.outcome = Outcome.NOT_UNDERSTOOD
        inbound.reply = gettext(
            "Sorry, we did not understand. Please reply with a number from 0 (not likely) "
            "to 10 (very likely)."
        )
