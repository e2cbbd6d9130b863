"""Publishable keys for the website widget, and the counters that rate-limit its endpoints."""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account, Unit
from touchpoint.surveys.models import Touchpoint


class PublishableKey(models.Model):
    """A per-account key that a website embeds with the widget: public by design.

    It can only ask the question of its touchpoint and store answers for its unit, from the
    origins listed; it reads nothing. Revoke it and the widget goes quiet everywhere.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="publishable_keys")
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=40, unique=True, editable=False)
    touchpoint = models.ForeignKey(
        Touchpoint,
        on_delete=models.PROTECT,
        help_text="The touchpoint asked by default (a page may name another widget touchpoint).",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, verbose_name="responsible unit", related_name="+"
    )
    allowed_origins = models.TextField(
        help_text="One origin per line, e.g. https://shop.example.com (scheme, host, port)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.key[:12]}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        for origin in self.origins:
            scheme, _, host = origin.partition("://")
            if scheme not in ("http", "https") or not host or "/" in host:
                raise ValidationError(
                    {
                        "allowed_origins": f"{origin!r} is not an origin like https://shop.example.com"
                    }
                )
        if self.touchpoint_id and self.touchpoint.channel != "widget":
            raise ValidationError(
                {"touchpoint": "Choose a touchpoint whose channel is the widget."}
            )

    @property
    def origins(self) -> set[str]:
        return {line.strip().rstrip("/") for line in self.allowed_origins.split() if line.strip()}
