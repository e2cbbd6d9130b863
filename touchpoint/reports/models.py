"""Rollups: exact score histograms kept per unit (counted again at every ancestor), touchpoint,
channel and period, so that any unit's figures are a sum over few rows; and the same per unit
and period with every touchpoint and channel added together."""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account, Unit
from touchpoint.lib import nps
from touchpoint.surveys.models import Channel, Touchpoint

SCORES = range(11)
HISTOGRAM = [f"s{n}" for n in SCORES]


class Histogram(models.Model):
    """The eleven counts (scores 0 to 10) of the answers given at or below `unit` in a period.

    Each answer is counted once at every unit of its attribution path, so a brand, region or
    store question reads only that unit's rows. Periods are local days and months in the
    account's time zone. Only `reports.rollups` writes these rows.
    """

    class Grain(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, db_index=False)
    grain = models.CharField(max_length=5, choices=Grain.choices)
    period = models.DateField(help_text="The day, or the first day of the month.")
    s0 = models.IntegerField(default=0)
    s1 = models.IntegerField(default=0)
    s2 = models.IntegerField(default=0)
    s3 = models.IntegerField(default=0)
    s4 = models.IntegerField(default=0)
    s5 = models.IntegerField(default=0)
    s6 = models.IntegerField(default=0)
    s7 = models.IntegerField(default=0)
    s8 = models.IntegerField(default=0)
    s9 = models.IntegerField(default=0)
    s10 = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.unit_id} {self.grain} {self.period}"

    @property
    def histogram(self) -> list[int]:
        return [getattr(self, name) for name in HISTOGRAM]

    @property
    def counts(self) -> nps.Counts:
        return nps.Counts.from_histogram(self.histogram)


class Rollup(Histogram):
    """A unit's histogram for one touchpoint and channel in a period: what a breakdown by
    touchpoint or channel, or a report filtered to one, reads."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "grain", "period", "touchpoint", "channel"], name="rollup_key"
            )
        ]


class RollupTotal(Histogram):
    """A unit's histogram for every touchpoint and channel together in a period: the sum of
    its `Rollup` rows, kept beside them so that a headline, trend or leaderboard without a
    touchpoint or channel filter reads one row per unit and period instead of one per
    touchpoint and channel (a third to a tenth as many)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "grain", "period"], name="rollup_total_key")
        ]
