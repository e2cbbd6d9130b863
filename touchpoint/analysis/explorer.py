"""The explorer's theme filter: answers whose comment mentions a theme, phrases highlighted.
Registered into the core's `responses.explorer.EXTRA_FILTERS` when the app is ready."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoint.accounts.access import top_units
from touchpoint.analysis.models import Theme, ThemeMention, reading_language
from touchpoint.lib.text.highlight import pieces
from touchpoint.responses import explorer


def themes_for(user) -> QuerySet[Theme]:
    accounts = {unit.account_id for unit in top_units(user)}
    return Theme.objects.filter(account_id__in=accounts).order_by("key")


def choices(user) -> list[tuple[str, str]]:
    language = reading_language()
    return sorted(
        (
            (t.key, t.name(language) + ("" if t.is_active else _(" (retired)")))
            for t in themes_for(user)
        ),
        key=lambda pair: pair[1].lower(),
    )


def check(user, key: str) -> list[int]:
    ids = list(themes_for(user).filter(key=key).values_list("pk", flat=True))
    if not ids:
        raise explorer.FilterError("theme", _("Unknown theme."))
    return ids


def apply(qs: QuerySet, theme_ids: list[int]) -> QuerySet:
    return qs.filter(
        Exists(ThemeMention.objects.filter(response_id=OuterRef("pk"), theme_id__in=theme_ids))
    )


def decorate(rows: list, theme_ids: list[int]) -> None:
    spans: dict[int, list[tuple[int, int]]] = {}
    for response_id, start, end in ThemeMention.objects.filter(
        response_id__in=[r.pk for r in rows], theme_id__in=theme_ids
    ).values_list("response_id", "start", "end"):
        spans.setdefault(response_id, []).append((start, end))
    for row in rows:
        if row.pk in spans:
            row.highlighted = pieces(row.comment, spans[row.pk], limit=240)


def register() -> None:
    explorer.EXTRA_FILTERS["theme"] = explorer.ExtraFilter(
        label=gettext_lazy("Theme"), choices=choices, check=check, apply=apply, decorate=decorate
    )
