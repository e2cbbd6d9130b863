"""Bounce and complaint reports as providers post them, read into one shape.

A mail provider (Amazon SES through SNS, SendGrid, Postmark, Mailgun), a mailbox provider's
feedback loop (an ARF report, RFC 5965) or any system speaking the plain format below tells
Touchpoint that an address bounced for good; a Twilio delivery status callback that a number
cannot take SMS or that its owner marked a survey as spam. Each
report becomes a `Report`; soft bounces and deliveries are read and ignored (they say nothing
about the address for good).

The plain format, for anything else::

    {"type": "bounce" | "complaint" | "invalid_number",
     "address": "ana@example.com" | "+34600111222", "detail": "550 5.1.1 user unknown"}

or a list of those (or ``{"events": [...]}``).
"""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses
from typing import Any
from urllib.parse import parse_qs

from touchpoint.contacts.models import Suppression
from touchpoint.lib import sms

Reason = Suppression.Reason
# How many reports one request may carry (providers batch up to a few hundred).
MAX_REPORTS = 1000


class FeedbackError(ValueError):
    """A body that is not a report this hook can read; the message says what was wrong."""


@dataclass(frozen=True)
class Report:
    channel: str  # "email" or "sms"
    address: str
    reason: str  # a Suppression.Reason
    detail: str
    source: str  # the format it came in


def read_reports(body: bytes, content_type: str) -> list[Report]:
    """Every hard bounce and complaint in a provider's request body (possibly none: a soft
    bounce or a delivery is not one). Raises FeedbackError for a body no format fits."""
    if not body.strip():
        raise FeedbackError("The request has no body.")
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("multipart/report", "message/feedback-report", "message/rfc822"):
        return _arf(body, bare=kind == "message/feedback-report")
    if kind == "application/x-www-form-urlencoded":
        return _twilio(body)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise FeedbackError(
            "The body is neither JSON nor an ARF report (Content-Type multipart/report)."
        ) from error
    reports = _json(data)
    if len(reports) > MAX_REPORTS:
        raise FeedbackError(f"At most {MAX_REPORTS} reports per request.")
    return reports


def _json(data: Any) -> list[Report]:
    if isinstance(data, dict) and data.get("Type") in ("Notification", "SubscriptionConfirmation"):
        return _sns(data)
    if isinstance(data, dict) and "RecordType" in data:
        return _postmark(data)
    if isinstance(data, dict) and isinstance(data.get("event-data"), dict):
        return _mailgun(data["event-data"])
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        data = data["events"]
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items):
        raise FeedbackError("Expected a report object or a list of report objects.")
    reports: list[Report] = []
    for number, item in enumerate(items, start=1):
        if "event" in item and "email" in item:  # SendGrid's event webhook
            reports.extend(_sendgrid(item))
        else:
            reports.extend(_plain(item, number))
    return reports


PLAIN_TYPES = {
    "bounce": Reason.HARD_BOUNCE,
    "hard_bounce": Reason.HARD_BOUNCE,
    "complaint": Reason.COMPLAINT,
    "invalid_number": Reason.INVALID_NUMBER,
}


def _plain(item: dict, number: int) -> list[Report]:
    kind = str(item.get("type", "")).lower()
    address = str(item.get("address") or item.get("email") or item.get("phone") or "").strip()
    where = f"report {number}: " if number > 1 else ""
    if kind not in PLAIN_TYPES:
        raise FeedbackError(
            f"{where}type must be one of {', '.join(sorted(PLAIN_TYPES))} (got {kind!r})."
        )
    if not address:
        raise FeedbackError(f"{where}address is missing.")
    channel = "email" if "@" in address else "sms"
    if channel == "sms" and not sms.is_e164(address):
        raise FeedbackError(f"{where}address must be an email address or an E.164 number.")
    reason = PLAIN_TYPES[kind]
    if (reason == Reason.INVALID_NUMBER) != (channel == "sms"):
        raise FeedbackError(f"{where}invalid_number is for phone numbers, bounce for email.")
    return [Report(channel, address, reason, str(item.get("detail", ""))[:500], "json")]


def _sns(data: dict) -> list[Report]:
    """Amazon SES notifications delivered by SNS. A subscription confirmation is refused with
    the link to visit (Touchpoint never fetches a URL a request names)."""
    if data.get("Type") == "SubscriptionConfirmation":
        raise FeedbackError(
            "Amazon SNS subscription: confirm it by opening the SubscribeURL of this message "
            "once (it is in the provider's console too); notifications are read after that."
        )
    try:
        message = json.loads(data.get("Message") or "")
    except ValueError as error:
        raise FeedbackError("The SNS notification's Message is not JSON.") from error
    if not isinstance(message, dict):
        raise FeedbackError("The SNS notification's Message is not a JSON object.")
    kind = message.get("notificationType") or message.get("eventType")
    if kind == "Bounce":
        bounce = message.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        return [
            Report(
                "email",
                str(r.get("emailAddress", "")),
                Reason.HARD_BOUNCE,
                str(r.get("diagnosticCode") or bounce.get("bounceSubType", ""))[:500],
                "ses",
            )
            for r in bounce.get("bouncedRecipients") or []
            if r.get("emailAddress")
        ]
    if kind == "Complaint":
        complaint = message.get("complaint") or {}
        return [
            Report(
                "email",
                str(r.get("emailAddress", "")),
                Reason.COMPLAINT,
                str(complaint.get("complaintFeedbackType", ""))[:500],
                "ses",
            )
            for r in complaint.get("complainedRecipients") or []
            if r.get("emailAddress")
        ]
    return []


def _sendgrid(item: dict) -> list[Report]:
    event, address = item.get("event"), str(item.get("email", ""))
    if event == "bounce" and item.get("type", "bounce") == "bounce":  # "blocked" is soft
        return [
            Report(
                "email", address, Reason.HARD_BOUNCE, str(item.get("reason", ""))[:500], "sendgrid"
            )
        ]
    if event == "spamreport":
        return [Report("email", address, Reason.COMPLAINT, "spam report", "sendgrid")]
    return []


POSTMARK_HARD = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}


def _postmark(data: dict) -> list[Report]:
    address = str(data.get("Email", ""))
    if data.get("RecordType") == "SpamComplaint" or data.get("Type") == "SpamComplaint":
        return [Report("email", address, Reason.COMPLAINT, "spam complaint", "postmark")]
    if data.get("RecordType") == "Bounce" and data.get("Type") in POSTMARK_HARD:
        detail = str(data.get("Description") or data.get("Details") or data.get("Type"))
        return [Report("email", address, Reason.HARD_BOUNCE, detail[:500], "postmark")]
    return []


def _mailgun(event: dict) -> list[Report]:
    address = str(event.get("recipient", ""))
    if event.get("event") == "complained":
        return [Report("email", address, Reason.COMPLAINT, "complaint", "mailgun")]
    if event.get("event") == "failed" and event.get("severity") == "permanent":
        status = event.get("delivery-status") or {}
        detail = str(status.get("description") or status.get("message") or "permanent failure")
        return [Report("email", address, Reason.HARD_BOUNCE, detail[:500], "mailgun")]
    return []


# Twilio delivery errors that say the number itself cannot take SMS: unknown destination,
# a landline or unreachable carrier, an invalid number.
TWILIO_DEAD_NUMBER = {"30005", "30006", "21211", "21612", "21614"}


def _twilio(body: bytes) -> list[Report]:
    """A Twilio status callback (set as the Messaging Service's delivery status callback):
    an undelivered message whose error says the number cannot receive SMS."""
    try:
        form = {k: v[-1] for k, v in parse_qs(body.decode(), strict_parsing=True).items()}
    except (ValueError, UnicodeDecodeError) as error:
        raise FeedbackError("The form body cannot be read.") from error
    if "MessageStatus" not in form and "SmsStatus" not in form:
        raise FeedbackError("A form body must be a Twilio status callback (MessageStatus).")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    code = form.get("ErrorCode", "")
    if status not in ("undelivered", "failed") or code not in TWILIO_DEAD_NUMBER:
        return []
    return [
        Report("sms", form.get("To", ""), Reason.INVALID_NUMBER, f"Twilio error {code}", "twilio")
    ]


def _arf(body: bytes, *, bare: bool = False) -> list[Report]:
    """An Abuse Reporting Format complaint (RFC 5965): the complained-of recipient is the
    report's Original-Rcpt-To, else the To of the returned message. `bare`: the body is the
    feedback-report part alone."""
    message = email.message_from_bytes(body, policy=email.policy.compat32)
    report: Message | None = message if bare else None
    original: Message | None = None
    for part in [] if bare else message.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report" and report is None:
            report = _feedback_fields(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                original = payload[0]
            elif isinstance(payload, str):
                original = email.message_from_string(payload)
    if report is None:
        raise FeedbackError("An ARF report needs a message/feedback-report part.")
    feedback_type = (report.get("Feedback-Type") or "abuse").strip().lower()
    recipients = [a for _, a in getaddresses(report.get_all("Original-Rcpt-To") or []) if a]
    if not recipients and original is not None:
        recipients = [a for _, a in getaddresses(original.get_all("To") or []) if a]
    if not recipients:
        raise FeedbackError("The ARF report names no recipient (Original-Rcpt-To or To).")
    if feedback_type not in ("abuse", "fraud", "other"):
        return []  # "not-spam", "virus", "auth-failure": not a person's complaint
    return [
        Report("email", address, Reason.COMPLAINT, f"ARF {feedback_type}", "arf")
        for address in recipients
    ]


def _feedback_fields(part: Message) -> Message:
    """The machine-readable fields of a feedback-report part, as headers."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return email.message_from_string(str(payload).lstrip())
