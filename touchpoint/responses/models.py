"""Responses: a contact's answer, with a snapshot of who it is attributed to."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.models import Contact
from touchpoint.lib import nps
from touchpoint.surveys.models import Channel, Interaction, Invitation, Touchpoint


class Response(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(blank=True)
    answers = models.JSONField(default=dict, blank=True, help_text="Follow-up answers.")
    locale = models.CharField(max_length=16, blank=True)
    # Attribution snapshot, taken when the answer is first stored: reports stay right when
    # the organisation tree changes later.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="responsible unit")
    unit_path = models.CharField(max_length=400, db_index=True)
    attribution = models.JSONField(
        default=dict, help_text="The responsible unit and its ancestors by kind: code and name."
    )
    answered_at = models.DateTimeField()
    # Segment snapshot, taken with the attribution snapshot: the contact's attributes and the
    # interaction's properties as text (`lib.segments`), what segment filters and groups read.
    segments = models.JSONField(default=dict, blank=True)
    # Who took the answer down on the customer's behalf (phone interviews), and the in-store
    # kiosk an anonymous answer came from.
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kiosk = models.ForeignKey(
        "kiosks.Kiosk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The client's id for an anonymous answer (widget, kiosk): the same id twice is one answer.
    client_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["account", "answered_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="response_score_0_10"
            ),
            models.UniqueConstraint(
                fields=["account", "client_key"],
                condition=models.Q(client_key__isnull=False),
                name="response_client_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} for {self.touchpoint} ({self.answered_at:%Y-%m-%d})"

    @property
    def category(self) -> str:
        return nps.classify(self.score)
