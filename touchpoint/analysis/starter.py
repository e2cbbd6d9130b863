"""The starter taxonomy for a smartphone brand (battery, screen, waiting, staff, repair time,
price, billing, stock, callback, delivery...), created for an account that asks for it: the
demo calls `do_create_starter_taxonomy` after seeding."""

from __future__ import annotations

from touchpoint.accounts.models import Account
from touchpoint.analysis.actions import ThemeIn, do_create_themes
from touchpoint.lib.text import starter


def starter_themes() -> list[ThemeIn]:
    return [
        ThemeIn(key=key, names=spec["names"], examples=starter.examples(key))
        for key, spec in starter.THEMES.items()
    ]


def do_create_starter_taxonomy(account: Account) -> int:
    """Create the starter themes the account lacks; returns how many were made."""
    return do_create_themes(account=account, themes=starter_themes())
