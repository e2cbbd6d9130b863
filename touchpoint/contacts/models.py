"""Contacts: the customers a brand surveys, with their identifiers and consent."""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account, validate_time_zone


class Contact(models.Model):
    # Indexed through the unique (account, …) constraints below.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    # Absent identifiers are NULL, not "": unique indexes ignore NULLs, and a plain (not
    # partial) unique index is one that IN (...) lookups can use on SQLite and PostgreSQL.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    email = models.EmailField(null=True, blank=True)  # noqa: DJ001 (stored lower-cased)
    phone = models.CharField(  # noqa: DJ001
        max_length=20, null=True, blank=True, help_text="E.164, e.g. +33612345678"
    )
    name = models.CharField(max_length=200, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    attributes = models.JSONField(default=dict, blank=True)
    # Consent: a global opt-out from all surveys, and one per channel.
    opted_out_at = models.DateTimeField(null=True, blank=True)
    email_opted_out_at = models.DateTimeField(null=True, blank=True)
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    phone_opted_out_at = models.DateTimeField(
        null=True, blank=True, help_text="Refused phone interviews."
    )
    # The send time of the latest invitation: claimed atomically to enforce quarantine.
    last_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "email"], name="contact_email_unique"),
            models.UniqueConstraint(fields=["account", "phone"], name="contact_phone_unique"),
            models.UniqueConstraint(
                fields=["account", "external_id"], name="contact_external_id_unique"
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
        if channel == "phone":
            return self.phone_opted_out_at is not None
        return False
