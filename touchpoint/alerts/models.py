"""Alerts: a unit's NPS fell for real, or sits below its target; who muted what; and which
weeks were judged."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from touchpoint.accounts.models import Account, Unit


class Alert(models.Model):
    """One condition at one unit, open from the week it was found until it clears. The
    constraint allows one open alert per unit, kind and key, so a condition fires once and
    only again after it cleared. `kind` is open-ended (no fixed choices): another app may
    register a condition of its own (`alerts.conditions.register`)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLEARED = "cleared", _("Cleared")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=100, blank=True, help_text="e.g. a theme, for a spike")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    evidence = models.JSONField(default=dict)
    window_start = models.DateField()
    window_end = models.DateField()
    window_name = models.CharField(max_length=60)
    opened_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "key"],
                condition=Q(state="open"),
                name="one_open_alert_per_condition",
            )
        ]
        indexes = [models.Index(fields=["account", "opened_at"])]
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} at {self.unit.name} ({self.state})"


class AlertMute(models.Model):
    """A person who does not want to hear about a kind of alert at a unit (blank kind: any)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_mutes"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="alert_mutes")
    kind = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "kind"], name="one_mute_per_condition")
        ]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.kind or 'all alerts'} at {self.unit.name}"


class AlertCheck(models.Model):
    """An account's alerts judged for the week ending `week_end` (a local Sunday): inserted
    first, so any number of workers judge each week once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    week_end = models.DateField()
    started_at = models.DateTimeField()
    units = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    cleared = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "week_end"], name="one_check_per_week")
        ]

    def __str__(self) -> str:
        return f"alerts of {self.account} for the week to {self.week_end}"
