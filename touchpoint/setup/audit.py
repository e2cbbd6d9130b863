"""Who may set an account up, and the record of every setup change.

An account admin is a person with the admin role on the root unit (the brand) of an account:
setup is account-wide (touchpoints, keys, the whole tree). An API key may set an account up
only when it is account-wide; a key limited to a unit reads and writes that subtree's data
but not the account's setup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account, ApiKey, Membership
from touchpoint.setup.models import SetupChange


class SetupError(ValueError):
    """Setup input that cannot be saved. `errors` maps each field at fault to its message;
    nothing was changed."""

    def __init__(self, errors: Mapping[str, str] | str, field: str = "") -> None:
        if isinstance(errors, str):
            errors = {field or "__all__": errors}
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))

    def detail(self, prefix: str = "") -> list[dict[str, str]]:
        """The API's error detail: one entry per field."""
        return [
            {
                "field": f"{prefix}{field}"
                if field != "__all__"
                else (prefix.rstrip(".") or "body"),
                "message": message,
            }
            for field, message in self.errors.items()
        ]


def admin_accounts(user) -> list[Account]:
    """The accounts this person may set up: admin on a root unit (a brand)."""
    if not user.is_authenticated:
        return []
    found = (
        Membership.objects.filter(user=user, role=Membership.Role.ADMIN, unit__depth=0)
        .select_related("unit__account")
        .order_by("unit__account__name", "unit__account_id")
    )
    accounts: dict[int, Account] = {}
    for membership in found:
        accounts.setdefault(membership.unit.account_id, membership.unit.account)
    return list(accounts.values())


def access_setup_account(user, slug: str = "") -> Account:
    """The account this person sets up (the one named by `slug` when they admin several),
    else 404: setup does not exist for anyone else."""
    accounts = admin_accounts(user)
    for account in accounts:
        if not slug or account.slug == slug:
            return account
    raise Http404("Setup is for account admins.")


def check_setup_key(api_key: ApiKey) -> None:
    """Raise SetupError unless the key may change the account's setup."""
    if api_key.unit_id is not None:
        raise SetupError(
            _("Setup needs an account-wide API key; this one is limited to unit %(code)s.")
            % {"code": api_key.unit.code},
            "authorization",
        )


def actor_name(by) -> str:
    """A person's name, an API key's name, or the label of a command (a string)."""
    if by is None:
        return "Touchpoint"
    if isinstance(by, str):
        return by
    if isinstance(by, ApiKey):
        return f"API key “{by.name}” ({by.prefix}…)"
    return by.get_full_name() or by.get_username()


def record_change(
    account: Account,
    by,
    subject: str,
    action: str,
    *,
    key: str = "",
    label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> SetupChange | None:
    """Write one audit row. For a change, only the fields that differ are kept; a change
    that changes nothing is not recorded (returns None)."""
    before, after = dict(before or {}), dict(after or {})
    if before and after:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if not changed:
            return None
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    return SetupChange.objects.create(
        account=account,
        user=by if hasattr(by, "get_username") else None,
        api_key=by if isinstance(by, ApiKey) else None,
        actor=actor_name(by)[:200],
        subject=subject,
        subject_key=str(key)[:200],
        subject_label=str(label)[:200],
        action=action,
        before=before,
        after=after,
    )
