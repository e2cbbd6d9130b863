"""Pages as the reader expects them: a signed-in person's pages speak their own language
(`accounts.languages`), with dates and numbers in its format for the account's country and
times in the account's time zone; a visitor's pages follow the browser."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import check_for_language

from touchpoint.accounts.languages import account_of, format_locale, language_of
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
    """Runs after the locale and authentication middlewares: for a signed-in person, their
    language (in their account's regional format) and their account's time zone; for a
    visitor, the regional variant of the language the browser asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            account = account_of(user)
            locale = format_locale(language_of(user, account), account)
            zone = account.time_zone if account else None
        else:
            locale = regional_language(
                request.headers.get("Accept-Language", ""), translation.get_language() or "en"
            )
        if zone:
            timezone.activate(ZoneInfo(zone))
        if locale:
            translation.activate(locale)
            request.LANGUAGE_CODE = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            if zone:
                timezone.deactivate()
