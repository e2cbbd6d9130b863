"""Unattended in-store tablets: each one a secret link bound to one store."""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account, Unit
from touchpoint.surveys.models import Touchpoint


class Kiosk(models.Model):
    """A tablet in a store. Its link carries a secret token; only a SHA-256 of it is stored,
    so the link is shown once when minted and a leaked one is revoked, not read back."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="kiosks")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="kiosks", verbose_name="store"
    )
    touchpoint = models.ForeignKey(
        Touchpoint,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The survey rule whose wording the kiosk shows and answers count under.",
    )
    name = models.CharField(max_length=100, help_text="e.g. Till 2 tablet")
    locale = models.CharField(
        max_length=16, blank=True, help_text="Blank: the browser's language, then the account's."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The rate limit's fixed window, counted in the database (any number of web processes).

    def __str__(self) -> str:
        return f"{self.name} at {self.unit.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
