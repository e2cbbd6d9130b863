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

    # Without a constraint in the database: rollups are derived from the answers and kept only
    # by `reports` (the ORM's cascade deletes them with their account, unit, touchpoint or
    # dimension), and checking tens of millions of rows one by one at the commit of a
    # rebuild took longer than counting them (9 of 20 minutes at a million answers on
    # PostgreSQL).
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, db_index=False, db_constraint=False)
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

    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
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


class RollupDelta(models.Model):
    """One answer's change to the rollups, written in the answer's own transaction and folded
    into them by the worker within a second (`reports.folding`).

    Appending a row locks nothing another answer needs, where adding to the rollups would lock
    the brand's row for today until commit, so every answer of an account would wait for the
    one before it. Figures add the rows not yet folded to the rollups, in the same statement,
    so they stay exact whatever the fold's lag. A change is the histogram's difference (+1 at
    the new score, -1 at the old), counted at every unit of `unit_path`, on its local `day`,
    for the segments the answer had (the segment rollups take them from here too).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False)
    response_id = models.BigIntegerField()
    unit_path = models.CharField(max_length=400)
    day = models.DateField(help_text="The answer's local day in the account's time zone.")
    touchpoint_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    s0 = models.SmallIntegerField(default=0)
    s1 = models.SmallIntegerField(default=0)
    s2 = models.SmallIntegerField(default=0)
    s3 = models.SmallIntegerField(default=0)
    s4 = models.SmallIntegerField(default=0)
    s5 = models.SmallIntegerField(default=0)
    s6 = models.SmallIntegerField(default=0)
    s7 = models.SmallIntegerField(default=0)
    s8 = models.SmallIntegerField(default=0)
    s9 = models.SmallIntegerField(default=0)
    s10 = models.SmallIntegerField(default=0)
    segments = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "day"], name="rollup_delta_day")]

    def __str__(self) -> str:
        return f"{self.response_id} {self.day} {self.unit_path}"


class FoldState(models.Model):
    """One row per account: the lock that folding, backfilling and rebuilding take, so that
    only one of them writes an account's rollups at a time (another worker skips the account
    rather than wait), and when its rollups were last folded."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True)
    folded_at = models.DateTimeField(null=True, blank=True)
    folded = models.BigIntegerField(default=0, help_text="Changes folded since the account began.")
    # The segment index (`SegmentEntry`) holds the answers with an id up to `indexed_to`;
    # built for all of them (`indexed`), reports read it. A change to a later answer is left
    # to the build, which files that answer as it stands when it gets there.
    indexed_to = models.BigIntegerField(default=0)
    indexed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"folds of {self.account_id}"


class Dimension(models.Model):
    """A contact attribute or interaction property an account admin made reportable: its
    figures are summed from segment rollups (per value, at every unit, day and month), kept
    exact by the same changes as the rollups, instead of counted from the raw answers.

    Declared, it is backfilled from the past answers by the worker (`reports.folding`), a
    batch at a time; until it is ready, reports count it from the raw answers. At most `cap`
    distinct values get their own rollups, in the order they are first folded; the rest
    count as "other", shown as such (a filter on one of them reads the raw answers).
    """

    class State(models.TextChoices):
        BACKFILLING = "backfilling", "Counting past answers"
        READY = "ready", "Ready"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(
        max_length=80, help_text="contact.<attribute> or interaction.<property>"
    )
    cap = models.PositiveIntegerField(default=200)
    state = models.CharField(max_length=12, choices=State.choices, default=State.BACKFILLING)
    # The past answers counted so far: those with an id up to here. A change to a later answer
    # is left to the backfill, which counts that answer as it stands when it gets there.
    backfilled_to = models.BigIntegerField(default=0)
    backfill_total = models.BigIntegerField(default=0, help_text="Answers to count, when declared.")
    backfill_done = models.BigIntegerField(default=0)
    declared_at = models.DateTimeField()
    declared_by = models.CharField(max_length=200, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="dimension_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def percent(self) -> int:
        if self.state == self.State.READY:
            return 100
        if not self.backfill_total:
            return 0
        return min(99, int(100 * self.backfill_done / self.backfill_total))


class DimensionValue(models.Model):
    """A value of a dimension with rollups of its own: a real value (at most the dimension's
    cap of them), "" for answers without one, or the one "other" bucket."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=200, blank=True)
    is_other = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "is_other"], name="dimension_value_unique"
            )
        ]

    def __str__(self) -> str:
        return "other" if self.is_other else self.value or "(none)"


class SegmentRollup(Histogram):
    """A unit's histogram for one value of a dimension, touchpoint and channel in a period."""

    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    value = models.ForeignKey(
        DimensionValue, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "dimension", "grain", "period", "value", "touchpoint", "channel"],
                name="segment_rollup_key",
            )
        ]


class SegmentTotal(Histogram):
    """A unit's histogram for one value of a dimension in a period, every touchpoint and
    channel together (as `RollupTotal` is to `Rollup`)."""

    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    value = models.ForeignKey(
        DimensionValue, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "dimension", "grain", "period", "value"],
                name="segment_total_key",
            )
        ]


class SegmentTerm(models.Model):
    """One segment value that an account's answers carry (`contact.tier` = `gold`): what the
    segment index files answers under. Made by the fold and the index build as values are
    first seen."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False)
    name = models.CharField(max_length=80)
    value = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "value"], name="segment_term_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class SegmentEntry(models.Model):
    """An answer filed under one of its segment values, with what a report counts it by
    (its local day, attribution path, touchpoint, channel and score): the segment index,
    which answers a filter on any segment, declared or not, or on several together, by
    reading only the answers with those values (`reports.segment_index`).

    Like the rollups, the entries hold the answers as the folded changes left them; reports
    add the changes still in the delta log in the same statement. The key (answer, value)
    also finds an answer's other values (a combination, a group), and its entries when a
    change is folded; the index (value, day, ...) holds every column a report reads, so a
    filter reads the index alone."""

    pk = models.CompositePrimaryKey("response_id", "term")
    response_id = models.BigIntegerField()
    term = models.ForeignKey(
        SegmentTerm, on_delete=models.CASCADE, db_constraint=False, db_index=False
    )
    day = models.DateField(help_text="The answer's local day in the account's time zone.")
    unit_path = models.CharField(max_length=400)
    touchpoint_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    score = models.SmallIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=[
                    "term",
                    "day",
                    "unit_path",
                    "score",
                    "touchpoint_id",
                    "channel",
                    "response_id",
                ],
                name="segment_entry_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.term_id}"
