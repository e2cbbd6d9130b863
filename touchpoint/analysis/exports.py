"""The explorer exports' comment analysis columns: each answer's sentiment, its score and the
themes its comment mentions with how the customer felt about each ("waiting (negative);
staff (positive)", theme keys in the order the comment names them). Registered into the
core's `responses.exports.EXTRA_COLUMNS` when the app is ready; blank while an answer waits
for its analysis, and for an answer without a comment."""

from __future__ import annotations

from touchpoint.analysis.models import CommentAnalysis, ThemeMention
from touchpoint.responses import exports

TITLES = ("sentiment", "sentiment_score", "themes")


def cells(response_ids: list[int]) -> dict[int, list]:
    """The columns' cells for a batch of answers, in two queries."""
    out: dict[int, list] = {}
    for response_id, sentiment, score in CommentAnalysis.objects.filter(
        response_id__in=response_ids, state=CommentAnalysis.State.DONE
    ).values_list("response_id", "sentiment", "score"):
        out[response_id] = [sentiment, round(score, 2) if sentiment else "", ""]
    found: dict[int, dict[str, str]] = {}
    for response_id, key, sentiment in (
        ThemeMention.objects.filter(response_id__in=list(out))
        .order_by("response_id", "start", "pk")
        .values_list("response_id", "theme__key", "sentiment")
    ):
        found.setdefault(response_id, {}).setdefault(key, sentiment)
    for response_id, themes in found.items():
        out[response_id][2] = "; ".join(f"{key} ({feeling})" for key, feeling in themes.items())
    return out


def register() -> None:
    if not any(extra.titles == TITLES for extra in exports.EXTRA_COLUMNS):
        exports.EXTRA_COLUMNS.append(exports.ExtraColumns(titles=TITLES, cells=cells))
