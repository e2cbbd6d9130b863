"""Notifications: where they go (webhook endpoints, user preferences) and each one sent.

Every notification is a `Delivery` row written in the same transaction as the change it
reports (an outbox), then sent by the worker: a rollback sends nothing, a crash loses nothing.
"""

from __future__ import annotations

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from touchpoint.accounts.models import Account
from touchpoint.events.models import matches


def new_endpoint_secret() -> str:
    """24 random bytes as Standard Webhooks secrets are written: whsec_ and base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class Endpoint(models.Model):
    """An account's outbound webhook: a signed JSON POST, a Slack-compatible message, or a
    Microsoft Teams Adaptive Card."""

    class Kind(models.TextChoices):
        JSON = "json", _("JSON webhook (signed)")
        SLACK = "slack", _("Slack-compatible incoming webhook")
        TEAMS = "teams", _("Microsoft Teams (Adaptive Card, incoming webhook or Workflows)")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="endpoints")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.JSON)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=80,
        default=new_endpoint_secret,
        help_text="Signs each JSON webhook (HMAC-SHA256); give it to the receiver.",
    )
    events = models.JSONField(
        default=list,
        blank=True,
        help_text='Event types to send, e.g. ["ticket.opened", "ticket.*", "response.created"]; '
        "empty sends every event.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def wants(self, event_type: str) -> bool:
        """Every event when the list is empty; else those named, exactly or by family."""
        return self.is_active and (
            not self.events or any(matches(pattern, event_type) for pattern in self.events)
        )


class Preference(models.Model):
    """How a user wants to hear about tickets. No row means: immediately."""

    class Ticket(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("In a daily digest")
        OFF = "off", _("Not by email")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    ticket_email = models.CharField(max_length=10, choices=Ticket.choices, default="immediate")

    def __str__(self) -> str:
        return f"{self.user}: tickets {self.get_ticket_email_display().lower()}"


class Delivery(models.Model):
    """One notification to one recipient (a user's email or an endpoint), and its outcome."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        HELD = "held", "Held for the daily digest"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        BUNDLED = "bundled", "Sent in a digest"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=60)
    # One id per event, shared by all its deliveries and kept across retries: receivers
    # use it to drop duplicates.
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    # "Notified once": a second delivery with the same key is never created (unique by a
    # constraint, Meta: no LIKE index on PostgreSQL, which nothing searches a key with).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL: no key)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    # The sending pass that holds it (the outbox engine claims rows in batches).
    claimed_by = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="delivery_dedupe_key_unique")
        ]
        indexes = [models.Index(fields=["state", "send_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        to = self.to_email or (self.endpoint.name if self.endpoint else "?")
        return f"{self.event_type} → {to} ({self.state})"
