"""Contacts: the customers a brand surveys, with their identifiers and consent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from touchpoint.accounts.models import Account, validate_time_zone


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)  # stored lower-cased
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +33612345678")
    name = models.CharField(max_length=200, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    attributes = models.JSONField(default=dict, blank=True)
    # Consent: a global opt-out from all surveys, and one per channel.
    opted_out_at = models.DateTimeField(null=True, blank=True)
    email_opted_out_at = models.DateTimeField(null=True, blank=True)
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    # The send time of the latest invitation: claimed atomically to enforce quarantine.
    last_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"], condition=~Q(email=""), name="contact_email_unique"
            ),
            models.UniqueConstraint(
                fields=["account", "phone"], condition=~Q(phone=""), name="contact_phone_unique"
            ),
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or self.external_id or f"contact {self.pk}"

    def opted_out_of(self, channel: str) -> bool:
        if self.opted_out_at:
            return True
        if channel == "email":
            return self.email_opted_out_at is not None
        if channel == "sms":
            return self.sms_opted_out_at is not None
        return False
