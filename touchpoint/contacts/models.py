"""Contacts: the customers a brand surveys, with their identifiers and consent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

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


class Suppression(models.Model):
    """An address or number the account must not survey on one channel: a hard bounce, a
    complaint, a number that cannot take SMS, or an admin's decision. Kept after it is lifted
    (who, when, why), so the list is also its own history."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce (the mail server refused the address)")
        COMPLAINT = "complaint", _("Complaint (marked as spam)")
        INVALID_NUMBER = "invalid_number", _("The number cannot receive SMS")
        MANUAL = "manual", _("Added by an admin")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="suppressions")
    channel = models.CharField(max_length=10)  # "email" or "sms"
    address = models.CharField(max_length=254, help_text="Lower-cased email or E.164 number.")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="What reported it.")
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=200, blank=True)
    lift_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "channel", "address"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_active_suppression",
            )
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="suppression_list")]

    def __str__(self) -> str:
        return f"{self.address} ({self.channel}): {self.get_reason_display()}"


class FeedbackKey(models.Model):
    """The secret in a bounce-and-complaint address (`/hooks/feedback/<key>`) that a mail or
    SMS provider posts its reports to. One per provider, named after it; only a SHA-256 of
    the secret is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="feedback_keys")
    name = models.CharField(max_length=100, help_text="The provider that posts to it.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
