"""Domain events: the one outbox of things that happened.

An event is written in the same transaction as the change it reports, so it exists exactly
when the change does. The worker relays it to the subscribers that act later (webhooks,
the Delighted-shaped copies, connectors); subscribers that must move with the change
(rollups, ticket rules) run inside `publish` itself.
"""

from __future__ import annotations

import uuid

from django.db import models

from touchpoint.accounts.models import Account


def matches(pattern: str, event_type: str) -> bool:
    """Whether an event type matches a pattern: the type itself, its family (`ticket.*`),
    or `*`."""
    if pattern in ("*", event_type):
        return True
    return pattern.endswith(".*") and event_type.startswith(pattern[:-1])


class Event(models.Model):
    # The in-memory object the event is about, while in the transaction that publishes it
    # (None when relayed later): not a field.
    subject: object = None

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be relayed"
        RELAYING = "relaying", "Being relayed"
        DONE = "done", "Relayed"
        FAILED = "failed", "Failed"

    # One id per event, kept by every message made from it: receivers drop repeats by it.
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=60)
    # The response, contact or ticket the event is about (by type).
    subject_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=300, blank=True, help_text="One line, for chat tools.")
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="When the worker relays it (later after a failure).")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The relay call that holds it, so a batch claimed by one UPDATE is read back exactly.
    claimed_by = models.CharField(max_length=40, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    relayed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"], name="event_pending", condition=models.Q(state="pending")
            ),
            models.Index(
                fields=["claimed_by"], name="event_relaying", condition=models.Q(state="relaying")
            ),
            models.Index(fields=["account", "type", "created_at"], name="event_account_type"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.subject_id} ({self.state})"
