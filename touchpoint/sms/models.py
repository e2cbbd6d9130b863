"""An account's SMS provider settings, and the replies customers send back."""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account


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
