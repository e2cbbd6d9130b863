"""A local SMTP catch-all (aiosmtpd) that stores every message in the outbox table."""

from __future__ import annotations

import email
import email.policy

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async

from touchpoint.outbox.models import CapturedEmail


class CaptureHandler:
    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        subject = email.message_from_string(text, policy=email.policy.default).get("Subject", "")
        await sync_to_async(CapturedEmail.objects.create, thread_sensitive=False)(
            mail_from=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            subject=str(subject)[:500],
            raw=text,
        )
        return "250 Message accepted for delivery"


def start_mailsink(host: str, port: int) -> Controller:
    controller = Controller(CaptureHandler(), hostname=host, port=port)
    controller.start()
    return controller
