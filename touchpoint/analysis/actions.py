"""Changing an account's themes. Every change bumps the taxonomy version and queues one
re-tagging of history (`RetagJob`), superseding any older one that has not finished.

`check_theme` validates (a theme needs a key, a name and at least one example phrase);
`do_*` change state inside a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from touchpoint.accounts.models import Account
from touchpoint.analysis.models import RetagJob, SuggestedTheme, Taxonomy, Theme
from touchpoint.lib.text.engine import split_language
from touchpoint.lib.text.stems import LANGUAGES

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_EXAMPLES = 300
MAX_PHRASE = 120


class ThemeError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ThemeIn:
    key: str
    names: Mapping[str, str]
    examples: list[str]


def parse_examples(text: str | Iterable[str]) -> list[str]:
    """Phrases from a text box (one a line, or separated by commas) or a list."""
    items = text.replace(",", "\n").splitlines() if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        phrase = " ".join(str(item).split())
        if phrase and phrase not in out:
            out.append(phrase)
    return out


def check_theme(
    *,
    account: Account,
    key: str,
    names: Mapping[str, str],
    examples: Iterable[str] | str,
    theme: Theme | None = None,
) -> ThemeIn:
    """A valid theme, or ThemeError naming the field at fault."""
    key = (key or "").strip()
    if not KEY.match(key):
        raise ThemeError(
            "key", gettext("use lower-case letters, digits and _ (starting with a letter)")
        )
    clash = Theme.objects.filter(account=account, key=key)
    if theme is not None:
        clash = clash.exclude(pk=theme.pk)
    if clash.exists():
        raise ThemeError(
            "key", gettext("the account already has a theme {key}").format(key=repr(key))
        )
    clean_names = {
        lang: " ".join(str(name).split())[:80]
        for lang, name in (names or {}).items()
        if lang in LANGUAGES and str(name).strip()
    }
    if not clean_names:
        raise ThemeError("names", gettext("give the theme a name in at least one language"))
    phrases = parse_examples(examples)
    if not phrases:
        raise ThemeError(
            "examples",
            gettext(
                "a theme needs at least one example phrase: it is found in comments by its "
                "phrases (e.g. “charged twice”, “de: doppelt abgebucht”)"
            ),
        )
    if len(phrases) > MAX_EXAMPLES:
        raise ThemeError("examples", gettext("at most {n} example phrases").format(n=MAX_EXAMPLES))
    for phrase in phrases:
        _, words = split_language(phrase)
        if len(phrase) > MAX_PHRASE or not any(c.isalnum() for c in words):
            raise ThemeError(
                "examples",
                gettext("{phrase} is not a usable phrase").format(phrase=repr(phrase[:40])),
            )
    return ThemeIn(key, clean_names, phrases)


def current_version(account: Account) -> int:
    taxonomy, _ = Taxonomy.objects.get_or_create(account=account)
    return taxonomy.version


def _taxonomy_changed(account: Account, user=None) -> RetagJob:
    """Bump the version and queue the one re-tagging that brings history to it."""
    Taxonomy.objects.get_or_create(account=account)
    Taxonomy.objects.filter(account=account).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    version = Taxonomy.objects.get(account=account).version
    RetagJob.objects.filter(
        account=account, state__in=[RetagJob.State.QUEUED, RetagJob.State.RUNNING]
    ).update(state=RetagJob.State.SUPERSEDED, finished_at=timezone.now(), claim="")
    return RetagJob.objects.create(account=account, version=version, created_by=user)


@transaction.atomic
def do_save_theme(
    *, account: Account, data: ThemeIn, theme: Theme | None = None, user=None
) -> Theme:
    if theme is None:
        theme = Theme(account=account)
    theme.key, theme.names, theme.examples = data.key, dict(data.names), list(data.examples)
    theme.save()
    _taxonomy_changed(account, user)
    return theme


@transaction.atomic
def do_set_theme_active(*, theme: Theme, active: bool, user=None) -> Theme:
    if theme.is_active != active:
        theme.is_active = active
        theme.save(update_fields=["is_active", "updated_at"])
        _taxonomy_changed(theme.account, user)
    return theme


@transaction.atomic
def do_create_themes(*, account: Account, themes: Iterable[ThemeIn]) -> int:
    """Create the themes the account lacks (by key), with one version bump for all."""
    have = set(Theme.objects.filter(account=account).values_list("key", flat=True))
    made = [
        Theme(account=account, key=t.key, names=dict(t.names), examples=list(t.examples))
        for t in themes
        if t.key not in have
    ]
    if made:
        Theme.objects.bulk_create(made)
        _taxonomy_changed(account)
    return len(made)


@transaction.atomic
def do_adopt_suggestion(
    *, suggestion: SuggestedTheme, key: str, name: str, language: str = "en", user=None
) -> Theme:
    """Make a suggested group a theme: the admin's key and name, the group's phrases."""
    data = check_theme(
        account=suggestion.account,
        key=key,
        names={language: name},
        examples=suggestion.phrases or suggestion.terms,
    )
    theme = do_save_theme(account=suggestion.account, data=data, user=user)
    suggestion.adopted = theme
    suggestion.save(update_fields=["adopted"])
    return theme
