"""What the Delighted-compatible API needs beyond Touchpoint's own model.

A Delighted "project" is an account with the touchpoints its people are surveyed through; a
person is a contact, a survey request an invitation, a survey response a response. Only the
facts Delighted has and Touchpoint does not (tags, notes, the id a response had in Delighted)
live here, next to the API's rate-limit counters.
"""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account, Unit
from touchpoint.responses.models import Response
from touchpoint.surveys.models import RecurringSurvey, Touchpoint


class Project(models.Model):
    """How an account answers Delighted's v1 API: created with defaults on first use."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="delighted")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, verbose_name="responsible unit", related_name="+"
    )
    email_touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="+")
    sms_touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    email_autopilot = models.ForeignKey(
        RecurringSurvey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sms_autopilot = models.ForeignKey(
        RecurringSurvey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Delighted project"

    def __str__(self) -> str:
        return f"Delighted project of {self.account}"


class ResponseExtra(models.Model):
    """Delighted's tags and notes on a response, and its Delighted id when imported."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="delighted")
    delighted_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    tags = models.JSONField(default=list, blank=True)
    # [{"text": ..., "user_email": ..., "created_at": unix seconds}]
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "delighted_id"], name="delighted_response_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Delighted data of response {self.response_id}"
