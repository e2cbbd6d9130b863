"""The weekly email digest: one due-dated row per person and week, claimed by one worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Digest(models.Model):
    """One person's digest for one week (`week` is the local Monday it is sent on).

    The unique (user, week) constraint makes scheduling idempotent: any number of workers may
    try to create the row, one succeeds. Sending claims it with a conditional UPDATE and a
    lease; a worker that dies mid-send leaves a lease that expires, and the row is tried again.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    week = models.DateField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="one_digest_per_user_week")
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="digest_due")]

    def __str__(self) -> str:
        return f"digest for {self.user} on {self.week} ({self.state})"


class DigestOptOut(models.Model):
    """A person who turned the weekly digest off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_opt_out"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} (no digest)"
