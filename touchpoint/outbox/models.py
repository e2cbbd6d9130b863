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


class CapturedSms(models.Model):
    """An SMS the dev outbox caught instead of a provider: no SMS credentials are configured
    and DEV_OUTBOX is on. Nothing was sent to a phone."""

    captured_at = models.DateTimeField(auto_now_add=True, db_index=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, on_delete=models.CASCADE, related_name="+"
    )
    invitation_id = models.BigIntegerField(null=True, blank=True)
    to = models.CharField(max_length=20)
    body = models.TextField()
    encoding = models.CharField(max_length=8)
    segments = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-captured_at", "-pk"]
        verbose_name = "captured SMS"
        verbose_name_plural = "captured SMS"

    def __str__(self) -> str:
        return f"SMS to {self.to}"
