"""Comment analysis: each account's themes, and what the analysis found in each answer.

A response's analysis (`CommentAnalysis`, one row per response) is the unit of background
work: it is `pending` until a worker claims it (a conditional update with a lease) and
writes the result, `done`, with the taxonomy version it was tagged with. Theme mentions
(`ThemeMention`) are replaced whole at each analysis, so doing one twice changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import cached_property

from touchpoint.accounts.models import Account, Unit
from touchpoint.lib.text.highlight import pieces
from touchpoint.reports.models import Histogram
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Channel, Touchpoint


def reading_language() -> str:
    """The shipped language being read now ("de" for de-ch), for names kept per language."""
    return (translation.get_language() or "en").split("-")[0]


class Theme(models.Model):
    """Something customers talk about, found by its example phrases."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="themes")
    key = models.SlugField(max_length=40, help_text="Stable identifier: lower-case, digits, _.")
    names = models.JSONField(default=dict, help_text='Name per language: {"en": "Battery"}.')
    examples = models.JSONField(
        default=list,
        help_text='Phrases that mean this theme; "de: akku*" for German comments only.',
    )
    is_active = models.BooleanField(default=True, help_text="Retired themes tag nothing new.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="theme_key_unique_in_account")
        ]
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names.get("en") or self.key.replace("_", " ")

    @property
    def local_name(self) -> str:
        """The name in the language being read (a page's, an email's), else the English one."""
        return self.name(reading_language())


class Taxonomy(models.Model):
    """The version of an account's themes: every change bumps it, and answers tagged with an
    older version are re-tagged once by a `RetagJob`."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="taxonomy"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return f"{self.account} v{self.version}"


class CommentAnalysis(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"

    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    claim = models.CharField(max_length=16, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, blank=True, help_text="Blank: no comment.")
    score = models.FloatField(null=True, blank=True, help_text="-1 (negative) to 1 (positive).")
    taxonomy_version = models.PositiveIntegerField(default=0)
    runs = models.PositiveIntegerField(default=0, help_text="Times this answer was analysed.")
    analysed_at = models.DateTimeField(null=True, blank=True)
    counted_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The score the theme rollups count this answer with (blank: not counted).",
    )

    class Meta:
        verbose_name_plural = "comment analyses"
        indexes = [
            models.Index(fields=["state", "response"], name="analysis_pending"),
            models.Index(fields=["account", "taxonomy_version"], name="analysis_version"),
        ]

    def __str__(self) -> str:
        return f"analysis of response {self.response_id} ({self.state})"

    @cached_property
    def theme_mentions(self) -> list[ThemeMention]:
        """The themes found in the comment, in the order it names them (the answer's page)."""
        return list(
            ThemeMention.objects.filter(response_id=self.response_id)
            .select_related("theme")
            .order_by("start", "pk")
        )

    @cached_property
    def themes_found(self) -> list[dict]:
        """One entry per theme, in the order the comment names them: the theme, the words
        that named it, and how the customer felt about it where first named."""
        out: dict[int, dict] = {}
        for mention in self.theme_mentions:
            found = out.setdefault(
                mention.theme_id,
                {"theme": mention.theme, "phrases": [], "sentiment": mention.sentiment},
            )
            found["phrases"].append(mention.phrase)
        return list(out.values())

    @cached_property
    def highlighted(self) -> list[tuple[str, bool]]:
        """The whole comment in pieces, the words that named a theme marked."""
        comment = self.response.comment or ""
        spans = [(m.start, m.end) for m in self.theme_mentions]
        return pieces(comment, spans, limit=max(len(comment), 1))


class ThemeMention(models.Model):
    """A theme found in an answer's comment: the words that matched, where, and how the
    customer felt about it there."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="mentions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="mentions")
    phrase = models.CharField(max_length=200)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentiment = models.CharField(max_length=10)
    score = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["theme", "response"], name="mention_theme")]

    def __str__(self) -> str:
        return f"{self.theme.key}: {self.phrase!r}"


class RetagJob(models.Model):
    """Re-tagging an account's history after its themes changed, in batches from the oldest
    answer up; `cursor` is the last response id done, advanced in the same transaction as the
    batch's results, so a crash resumes where it stopped and no answer is done twice."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        SUPERSEDED = "superseded", "Superseded by a newer change"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    cursor = models.BigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    claim = models.CharField(max_length=16, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "re-tagging job"
        indexes = [models.Index(fields=["state", "created_at"], name="retag_state")]

    def __str__(self) -> str:
        return f"re-tag {self.account} to v{self.version} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, round(100 * self.done / self.total)) if self.total else 0


class SweepMark(models.Model):
    """How far the sweep has looked for answers without an analysis row: every response id
    up to `low_water` has one (or is younger than the safety window; see sweep.discover)."""

    low_water = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"analysed up to response {self.low_water}"


class SuggestedTheme(models.Model):
    """A group of untagged comments that look alike, with the words they share and their
    most typical comments; an admin names it and adopts it as a theme."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    terms = models.JSONField(default=list, help_text="The words that set the group apart.")
    phrases = models.JSONField(default=list, help_text="Proposed example phrases.")
    examples = models.JSONField(default=list, help_text="[{response, text}] most typical first.")
    size = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    adopted = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return ", ".join(self.terms[:3])


class ThemeRoute(models.Model):
    """A ticket rule by theme: answers mentioning the theme go to this unit's managers."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="routes")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    negative_only = models.BooleanField(
        default=True, help_text="Only when the customer was negative about the theme."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme"], name="one_route_per_theme"),
        ]

    def __str__(self) -> str:
        return f"{self.theme.key} → {self.unit}"


class ThemeRollup(Histogram):
    """The answers whose comment mentions a theme, given at or below a unit, for one
    touchpoint and channel in a local day or month: their score histogram, and how many were
    negative or positive about the theme there. Written by the sweep in the transaction that
    writes the analyses (`analysis.rollups`), so the theme reports read a few rows instead of
    every answer; `rollups.rebuild` recomputes them from the analyses."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, db_index=False, related_name="+")
    negative = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "grain", "period", "touchpoint", "channel", "theme"],
                name="theme_rollup_key",
            )
        ]


class CommentRollup(Histogram):
    """The answers with an analysed comment, given at or below a unit, for one touchpoint and
    channel in a local day or month: the denominators of the theme reports' shares."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "grain", "period", "touchpoint", "channel"],
                name="comment_rollup_key",
            )
        ]


class DriverResult(models.Model):
    """The key drivers of one report request (a unit, period, touchpoint and channel), kept
    so that the themes page does not redo its bootstrap at every view: used while its
    taxonomy version is current and it is fresh (`drivers.driver_report`)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    request = models.CharField(max_length=500, help_text="The request's query string.")
    taxonomy_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    result = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "request"], name="driver_result_key")
        ]

    def __str__(self) -> str:
        return f"drivers of {self.unit_id} {self.request!r}"
