"""The language a person reads Touchpoint in, and the formats of their dates and numbers.

A person's language is their profile's (set from the invitation they accepted, changed on
their own profile page), else their account's default language. Dates, times and numbers
follow Django's formats for that language in the account's country (English in a London
account is British English: 6 December 2026, 06/12/2026; in a New York account it is US
English), and times are shown in the account's time zone. Pages follow it per request
(`front.middleware.ReaderTimeMiddleware`); emails and digests are composed inside
`speaking(recipient)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.util import find_spec
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from touchpoint.accounts.models import Account, Membership, Profile
from touchpoint.lib.time_zones import country_of

# Countries writing English dates month first (Django's "en" formats); elsewhere English
# without formats of its own (en_FR, en_IN...) is written day first, as in en_GB.
MONTH_FIRST = frozenset({"US", "PR", "GU", "AS", "MP", "VI", "UM", "PH", "FM", "MH", "PW"})
LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _ in settings.LANGUAGES)


def shipped_language(code: str | None) -> str:
    """The shipped language a code stands for ("de-AT" -> "de"), else the default one."""
    base = (code or "").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGE_CODES else settings.LANGUAGE_CODE


def account_of(user) -> Account | None:
    """The account of a person's highest membership (the one their pages open on)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = (
        Membership.objects.filter(user=user)
        .select_related("unit__account")
        .order_by("unit__depth", "pk")
        .first()
    )
    return membership.unit.account if membership else None


def language_of(user, account: Account | None = None) -> str:
    """The person's own language, else their account's, else the default."""
    loaded = getattr(type(user), "profile", None)
    if loaded is not None and loaded.is_cached(user):  # loaded with the user
        profile = getattr(user, "profile", None)
        own = profile.language if profile is not None else ""
    else:
        own = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    if own:
        return shipped_language(own)
    account = account or account_of(user)
    return shipped_language(account.default_locale if account else None)


@cache
def _has_formats(locale: str) -> bool:
    try:
        return find_spec(f"django.conf.locale.{locale}.formats") is not None
    except ModuleNotFoundError:  # no such locale package
        return False


def format_locale(language: str, account: Account | None) -> str:
    """The language with the account's region when Django has formats for that pair:
    the account's default locale when it names one ("en-IE"), else the country of its time
    zone ("en" in Europe/London -> "en-gb"); just the language otherwise."""
    if account is None:
        return language
    region = ""
    default = (account.default_locale or "").replace("_", "-").split("-")
    if len(default) > 1 and default[0].lower() == language:
        region = default[1]
    region = region or country_of(account.time_zone)
    if region and _has_formats(f"{language}_{region.upper()}"):
        return f"{language}-{region.lower()}"
    if language == "en" and region and region.upper() not in MONTH_FIRST:
        return "en-gb"  # English written day first, as everywhere but the US and a few
    return language


@contextmanager
def speaking(
    user=None, *, account: Account | None = None, language: str | None = None
) -> Iterator[str]:
    """Compose something for `user` (or someone not yet a user, by `language`): their
    language and its regional formats, the account's time zone. Yields the locale used."""
    account = account or account_of(user)
    if language is None:
        language = language_of(user, account) if user is not None else None
    language = shipped_language(
        language or (account.default_locale if account else settings.LANGUAGE_CODE)
    )
    locale = format_locale(language, account)
    zone = ZoneInfo(account.time_zone if account else settings.TIME_ZONE)
    with translation.override(locale), timezone.override(zone):
        yield locale


def check_language(language: str) -> str:
    """A shipped language code, or "" for the account's; ValueError names the field."""
    language = (language or "").strip()
    if language and language not in LANGUAGE_CODES:
        raise ValueError(f"language: choose one of {', '.join(LANGUAGE_CODES)}")
    return language


@transaction.atomic
def do_set_language(user, language: str) -> None:
    """Set the person's language ("" follows the account's)."""
    Profile.objects.update_or_create(user=user, defaults={"language": check_language(language)})
