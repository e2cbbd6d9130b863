"""Phone interviews: each call an interviewer makes for a phone invitation, and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from touchpoint.surveys.models import Invitation


class Call(models.Model):
    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Answered the survey")
        NO_ANSWER = "no_answer", _("No answer")
        CALL_BACK = "call_back", _("Call back later")
        REFUSED = "refused", _("Refused")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="calls")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    call_back_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField()

    class Meta:
        ordering = ["called_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.called_at:%Y-%m-%d %H:%M})"
