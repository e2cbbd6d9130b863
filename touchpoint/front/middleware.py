"""Dates and times as the reader expects them: in the account's time zone, in the format of
the reader's locale."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import check_for_language

from touchpoint.accounts.models import Membership
from touchpoint.lib.languages import accepted_languages


def regional_language(accept_language: str, active: str) -> str | None:
    """The reader's regional variant of the active language (en-GB when English is active
    and the browser asks for en-GB first), when Django has formats for it."""
    wanted = accepted_languages(accept_language)
    first = wanted[0] if wanted else ""
    if "-" not in first or first.split("-")[0] != active.split("-")[0]:
        return None
    return first if check_for_language(first) else None


class ReaderTimeMiddleware:
    """For a signed-in person: times in their (first) account's time zone, and dates in the
    format of their browser's regional language. Runs after the locale and authentication
    middlewares."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            held = (
                Membership.objects.filter(user=user)
                .order_by("unit__depth", "pk")
                .values_list("unit__account__time_zone", flat=True)
                .first()
            )
            zone = held
        regional = regional_language(
            request.headers.get("Accept-Language", ""), translation.get_language() or "en"
        )
        if zone:
            timezone.activate(ZoneInfo(zone))
        if regional:
            translation.activate(regional)
        try:
            return self.get_response(request)
        finally:
            if zone:
                timezone.deactivate()
