"""Setup's own records: the audit trail of every setup change, and unit files waiting to be
applied."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from touchpoint.accounts.models import Account, ApiKey

# What each recorded action reads as on the audit pages; stored as the code on the left.
ACTIONS = {
    "activated": _("activated"),
    "added": _("added"),
    "changed": _("changed"),
    "closed": _("closed"),
    "created": _("created"),
    "declared": _("declared"),
    "dropped": _("dropped"),
    "import": _("import"),
    "lifted": _("lifted"),
    "new_address": _("new address"),
    "new_link": _("new link"),
    "new_secret": _("new secret"),
    "paused": _("paused"),
    "reopened": _("reopened"),
    "replayed": _("replayed"),
    "restated": _("restated"),
    "revoked": _("revoked"),
    "synced": _("synced"),
    "test_sent": _("test sent"),
    "tested": _("tested"),
    "unsubscribed": _("unsubscribed"),
}


class SetupChange(models.Model):
    """One change to an account's setup: who made it (a person or an API key), when, what it
    was before and what it is after. Written in the same transaction as the change."""

    class Subject(models.TextChoices):
        TOUCHPOINT = "touchpoint", _("Touchpoint")
        TICKET_RULE = "ticket_rule", _("Ticket rule")
        ROOT_CAUSE = "root_cause", _("Root cause")
        KIOSK = "kiosk", _("Kiosk")
        WIDGET_KEY = "widget_key", _("Widget key")
        API_KEY = "api_key", _("API key")
        WEBHOOK = "webhook", _("Webhook endpoint")
        SMS = "sms", _("SMS settings")
        CONNECTOR = "connector", _("Connector")
        UNITS = "units", _("Organisation")
        PEOPLE = "people", _("People")
        SEGMENT = "segment", _("Reportable segment")
        SUPPRESSION = "suppression", _("Suppression list")
        FEEDBACK_KEY = "feedback_key", _("Bounce and complaint address")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=200, help_text="Who, as named at the time.")
    subject = models.CharField(max_length=20, choices=Subject.choices)
    subject_key = models.CharField(max_length=200, blank=True, help_text="Slug, code or id.")
    subject_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-at"], name="setup_change_recent")]
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor}: {self.action} {self.get_subject_display()} {self.subject_label}"

    @property
    def action_display(self) -> str:
        """The action in the reader's language (an unknown code as it is stored)."""
        return str(ACTIONS.get(self.action, self.action.replace("_", " ")))


class UnitImport(models.Model):
    """A unit file checked and planned on `/setup/units/`, waiting for someone to apply it.

    The rows are kept as checked; applying plans them again and refuses if the plan is no
    longer the one that was shown (the tree changed meanwhile)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=200, blank=True)
    members_only = models.BooleanField(default=False, help_text="People only (from /people/).")
    rows = models.JSONField(default=list)
    options = models.JSONField(default=dict)
    digest = models.CharField(max_length=64, help_text="Fingerprint of the plan shown.")
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_name or 'unit file'} ({self.created_at:%Y-%m-%d %H:%M})"
