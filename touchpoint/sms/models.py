"""An account's SMS provider settings, and the replies customers send back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from touchpoint.accounts.models import Account


class SmsSettings(models.Model):
    """How one account sends SMS: its Twilio credentials and sender.

    The auth token is a secret: the admin never shows it back (only its last four characters)
    and logs never carry it.
    """

    class Provider(models.TextChoices):
        TWILIO = "twilio", "Twilio"

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="sms_settings")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.TWILIO)
    account_sid = models.CharField(
        "account SID",
        max_length=34,
        db_index=True,
        validators=[RegexValidator(r"^AC[0-9a-fA-F]{32}$", "A Twilio account SID: AC + 32 hex.")],
    )
    auth_token = models.CharField(max_length=64)
    from_number = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\+[1-9]\d{6,14}$", "An E.164 number, e.g. +447700900123.")],
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
        verbose_name = verbose_name_plural = "SMS settings"

    def __str__(self) -> str:
        return f"{self.get_provider_display()} for {self.account}"

    def clean(self) -> None:
        if not self.from_number and not self.messaging_service_sid:
            raise ValidationError("Give a sender number or a messaging service SID.")

    @property
    def masked_token(self) -> str:
        return f"…{self.auth_token[-4:]}" if self.auth_token else ""


class InboundSms(models.Model):
    """One SMS a customer sent us, kept once per provider message id (Twilio retries)."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Score recorded"
        COMMENTED = "commented", "Comment added"
        OPTED_OUT = "opted_out", "Opted out"
        OPTED_IN = "opted_in", "Opted back in"
        NOT_UNDERSTOOD = "not_understood", "Not understood"
        NO_SURVEY = "no_survey", "No open survey"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="inbound_sms")
    message_sid = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=20)
    body = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reply = models.TextField(blank=True, help_text="What we answered, repeated on a retry.")
    invitation = models.ForeignKey(
        "surveys.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "inbound SMS"
        verbose_name_plural = "inbound SMS"

    def __str__(self) -> str:
        return f"{self.message_sid} ({self.outcome})"
