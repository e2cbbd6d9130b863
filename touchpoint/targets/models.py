"""Targets: the NPS a unit, or every unit of a kind, aims at."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from touchpoint.accounts.models import KIND_EACH, Account, Unit


class Target(models.Model):
    """A target NPS for one unit, or for every unit of a kind in the account (a unit's own
    target wins over its kind's). Exactly one of `unit` and `kind` is set."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    kind = models.CharField(max_length=20, blank=True, choices=Unit.Kind.choices)
    nps = models.SmallIntegerField(help_text="Target NPS, from -100 to 100.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "unit"], condition=Q(unit__isnull=False), name="one_unit_target"
            ),
            models.UniqueConstraint(
                fields=["account", "kind"], condition=Q(unit__isnull=True), name="one_kind_target"
            ),
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(kind=""))
                | (Q(unit__isnull=True) & ~Q(kind="")),
                name="target_of_a_unit_or_a_kind",
            ),
            models.CheckConstraint(
                condition=Q(nps__gte=-100) & Q(nps__lte=100), name="target_on_the_nps_scale"
            ),
        ]

    def __str__(self) -> str:
        what = self.unit.name if self.unit else f"every {self.kind}"
        return f"Target {self.nps:+d} for {what}"

    @property
    def scope_label(self) -> str:
        if self.unit:
            return self.unit.name
        return str(KIND_EACH.get(self.kind, self.kind))
