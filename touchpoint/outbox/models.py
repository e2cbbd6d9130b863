"""Mail captured by the development SMTP catch-all, so a newcomer can read what was sent."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from django.db import models


class CapturedEmail(models.Model):
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    mail_from = models.CharField(max_length=300)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=500, blank=True)
    raw = models.TextField()

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    def parsed(self) -> EmailMessage:
        # From bytes: an 8bit UTF-8 part parsed from a str decodes as ASCII ("�" for "±").
        return email.message_from_bytes(  # type: ignore[return-value]
            self.raw.encode("utf-8"), policy=email.policy.default
        )

    def body(self, subtype: str) -> str:
        part = self.parsed().get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""
