"""What the outbox needs to send: each account's SMS provider settings, the state of each
destination's circuit, and (in development) the mail and SMS captured instead of sent."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from touchpoint.lib import sms
from touchpoint.lib.vault import SealedCharField


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
        message = email.message_from_bytes(self.raw.encode("utf-8"), policy=email.policy.default)
        assert isinstance(message, EmailMessage)  # the default policy makes EmailMessages
        return message

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


class SmsSettings(models.Model):
    """How one account sends SMS: its Twilio credentials and sender.

    The auth token is a secret: the admin never shows it back (only its last four characters)
    and logs never carry it.
    """

    class Provider(models.TextChoices):
        TWILIO = "twilio", "Twilio"

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="sms_settings"
    )
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.TWILIO)
    account_sid = models.CharField(
        "account SID",
        max_length=34,
        db_index=True,
        validators=[RegexValidator(r"^AC[0-9a-fA-F]{32}$", "A Twilio account SID: AC + 32 hex.")],
    )
    # Encrypted at rest: with it, anyone could sign inbound SMS as the provider, and so
    # answer or unsubscribe as any customer.
    auth_token = SealedCharField(purpose="sms-auth-token")
    from_number = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(sms.E164_PATTERN, "An E.164 number, e.g. +447700900123.")],
        help_text="The sender number, or leave blank and give a messaging service.",
    )
    messaging_service_sid = models.CharField(
        "messaging service SID",
        max_length=34,
        blank=True,
        validators=[
            RegexValidator(r"^MG[0-9a-fA-F]{32}$", "A messaging service SID: MG + 32 hex.")
        ],
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sms_smssettings"  # moved here from the sms app; the table kept its name
        verbose_name = verbose_name_plural = "SMS settings"

    def __str__(self) -> str:
        return f"{self.get_provider_display()} for {self.account}"

    def clean(self) -> None:
        if not self.from_number and not self.messaging_service_sid:
            raise ValidationError("Give a sender number or a messaging service SID.")

    @property
    def masked_token(self) -> str:
        return f"…{self.auth_token[-4:]}" if self.auth_token else ""


class Circuit(models.Model):
    """One destination of outbound messages (the SMTP server, an account's SMS provider, a
    webhook host) while it is down, shared by every worker.

    Open: no message for it is claimed until `retry_at`; then one worker wins the probe (a
    conditional UPDATE) and sends one real message. Success closes the circuit (the row is
    deleted); another server-level failure opens it again for twice as long. Messages that
    wait for a destination to come back spend none of their retry attempts.
    """

    class State(models.TextChoices):
        OPEN = "open", "Down: waiting"
        PROBING = "probing", "Down: one message is trying"

    destination = models.CharField(max_length=300, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    failures = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField()
    retry_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.destination}: {self.get_state_display()} until {self.retry_at:%H:%M:%S}"
