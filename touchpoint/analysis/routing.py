"""Routing tickets by theme: "an answer about billing goes to the billing team".

`theme_route(response)` is what the ticket rules call when a ticket opens (the lead wires it
into `tickets.actions`): it analyses the comment at once with the account's themes (about a
millisecond; the background analysis may not have run yet) and returns the unit of the
first route whose theme the comment mentions (negatively, unless the route says any), or
None to keep the usual holder.
"""

from __future__ import annotations

from touchpoint.accounts.models import Unit
from touchpoint.analysis.models import ThemeRoute
from touchpoint.analysis.sweep import compiled
from touchpoint.lib.text import analyse
from touchpoint.responses.models import Response


def theme_route(response: Response) -> Unit | None:
    routes = list(
        ThemeRoute.objects.filter(account_id=response.account_id, theme__is_active=True)
        .select_related("theme", "unit")
        .order_by("pk")
    )
    if not routes or not (response.comment or "").strip():
        return None
    _version, matcher, _ids = compiled(response.account_id)
    found = analyse(response.comment, matcher, hint=(response.locale or "")[:2])
    feeling = {}
    for mention in found.mentions:
        feeling.setdefault(mention.theme, set()).add(mention.sentiment)
    for route in routes:
        said = feeling.get(route.theme.key)
        if said and (not route.negative_only or "negative" in said):
            return route.unit
    return None
