"""Actions on accounts, units and API keys: the only code that changes them."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Lower, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from touchpoint.accounts.access import paths_q, top_units
from touchpoint.accounts.models import (
    ROLE_RANK,
    Account,
    ApiKey,
    MemberInvitation,
    MemberMail,
    Membership,
    Profile,
    Unit,
)
from touchpoint.lib import bulk  # noqa: F401 (the `in_plain` lookup)

API_KEY_PREFIX = "tpk_"


class TreeError(ValueError):
    """A change that would break the organisation tree."""


@transaction.atomic
def do_create_unit(
    *,
    account: Account,
    kind: str,
    code: str,
    name: str,
    parent: Unit | None = None,
    time_zone: str = "",
    attributes: dict | None = None,
) -> Unit:
    check_parent(account=account, kind=kind, parent=parent)
    unit = Unit.objects.create(
        account=account,
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        time_zone=time_zone,
        attributes=attributes or {},
        depth=0 if parent is None else parent.depth + 1,
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@dataclass(frozen=True)
class UnitSpec:
    """A unit to create: `parent` is a stored unit, or the code of one created before it."""

    kind: str
    code: str
    name: str
    parent: Unit | str | None = None
    time_zone: str = ""
    attributes: dict | None = None


@transaction.atomic
def do_create_units(*, account: Account, specs: Sequence[UnitSpec]) -> dict[str, Unit]:
    """Create many units at once (a unit file), parents before children, with the checks of
    `do_create_unit`: one INSERT and one path UPDATE per run of units whose parents exist.
    Returns the new units by code."""
    made: dict[str, Unit] = {}
    pending = list(specs)
    while pending:
        batch, later = [], []
        for spec in pending:
            parent = made.get(spec.parent) if isinstance(spec.parent, str) else spec.parent
            if isinstance(spec.parent, str) and parent is None:
                later.append(spec)
                continue
            check_parent(account=account, kind=spec.kind, parent=parent)
            batch.append(
                Unit(
                    account=account,
                    kind=spec.kind,
                    code=spec.code,
                    name=spec.name,
                    parent=parent,
                    time_zone=spec.time_zone,
                    attributes=spec.attributes or {},
                    depth=0 if parent is None else parent.depth + 1,
                )
            )
        if not batch:
            raise TreeError(f"No parent for {later[0].code!r}: list parents before children.")
        Unit.objects.bulk_create(batch, batch_size=500)
        for unit in batch:
            unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"
            made[unit.code] = unit
        Unit.objects.bulk_update(batch, ["path"], batch_size=500)
        pending = later
    return made


def check_parent(
    *, account: Account, kind: str, parent: Unit | None, unit: Unit | None = None
) -> None:
    if parent is None:
        if kind != Unit.Kind.BRAND:
            raise TreeError("Only a brand can be the root of the organisation tree.")
        return
    if parent.account_id != account.pk:
        raise TreeError("A unit's parent must belong to the same account.")
    if kind == Unit.Kind.BRAND:
        raise TreeError("A brand is the root of its tree and cannot have a parent.")
    if unit is not None and unit.pk and parent.path.startswith(unit.path):
        raise TreeError("A unit cannot be moved under itself or one of its descendants.")


@transaction.atomic
def do_move_unit(*, unit: Unit, new_parent: Unit) -> None:
    """Re-parent a unit and rewrite the materialised path of its whole subtree.

    Past responses keep the attribution snapshot they were given; only new answers follow the
    new tree.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    check_parent(account=unit.account, kind=unit.kind, parent=new_parent, unit=unit)
    old_path, new_path = unit.path, f"{new_parent.path}{unit.pk}/"
    depth_change = new_parent.depth + 1 - unit.depth
    Unit.objects.filter(account=unit.account, path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)


def unit_time_zones(account: Account, unit_ids: set[int]) -> dict[int, str]:
    """Each unit's time zone: its own, else its nearest ancestor's, else the account's.

    Two queries whatever the number of units, their ids passed as they are (`in_plain`)."""
    # Paths, not instances: intake asks for a chunk's units on every chunk.
    paths = dict(
        Unit.objects.filter(account=account, pk__in_plain=unit_ids).values_list("pk", "path")
    )
    ancestors = {pk: Unit.ids_in_path(path) for pk, path in paths.items()}
    zones = dict(
        Unit.objects.filter(pk__in_plain={a for ids in ancestors.values() for a in ids})
        .exclude(time_zone="")
        .values_list("pk", "time_zone")
    )
    out = {}
    for pk, ids in ancestors.items():
        found = [zones[a] for a in reversed(ids) if a in zones]
        out[pk] = found[0] if found else account.time_zone
    return out


def unit_time_zone(unit: Unit) -> str:
    return unit_time_zones(unit.account, {unit.pk})[unit.pk]


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_api_key(*, account: Account, name: str, unit: Unit | None = None) -> NewApiKey:
    """Mint a key, for the whole account or for one unit's subtree. The secret has 256 random
    bits, so a fast hash is enough to store it."""
    if unit is not None and unit.account_id != account.pk:
        raise ValueError("An API key's unit must belong to its account.")
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        account=account, unit=unit, name=name, prefix=prefix, key_hash=_hash(secret)
    )
    return NewApiKey(api_key=api_key, secret=secret)


def do_revoke_api_key(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def access_api_key(secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None. Constant-time comparison of the hash."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    prefix = secret[len(API_KEY_PREFIX) :].split("_", 1)[0]
    api_key = (
        ApiKey.objects.select_related("account", "unit")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(secret)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


# --- people: members and invitations by email ---------------------------------------------------

INVITATION_DAYS = 7


class PeopleError(ValueError):
    """A change to people or memberships that is not allowed; the message says why."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def role_over(user, unit: Unit) -> str | None:
    """The highest role the user holds on this unit or any unit above it (None: no access)."""

    if not user.is_authenticated:
        return None
    roles = [
        m.role
        for m in Membership.objects.filter(user=user, unit__account_id=unit.account_id)
        .select_related("unit")
        .only("role", "unit__path")
        if unit.path.startswith(m.unit.path)
    ]
    return max(roles, key=lambda role: ROLE_RANK[role]) if roles else None


def check_may_grant(user, *, unit: Unit, role: str) -> None:
    """An account admin grants any role within their scope; a manager grants roles up to
    their own within theirs; viewers and frontline grant nothing.

    `user` None is the account itself (a unit file or an account-wide API key, whose right
    the caller has checked): any role, anywhere in the account."""

    if role not in ROLE_RANK:
        raise PeopleError(_("{role!r} is not a role.").format(role=role), "role")
    if user is None:
        return
    own = role_over(user, unit)
    if own not in (Membership.Role.ADMIN, Membership.Role.MANAGER):
        raise PeopleError(_("Only an account admin or a manager can do this."), "unit")
    if ROLE_RANK[role] > ROLE_RANK[own]:
        raise PeopleError(_("You cannot give a role above your own."), "role")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mint(invitation) -> str:
    """A fresh secret for the link; the previous one, if any, stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = timezone.now() + dt.timedelta(days=INVITATION_DAYS)
    return token


def do_mint_member_link(invitation) -> str | None:
    """The secret of the link in the invitation's email, minted as the email is composed
    (None when the invitation was accepted or revoked meanwhile). The previous link stops
    working; the invitation is open for INVITATION_DAYS from now."""

    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=INVITATION_DAYS)
    minted = MemberInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(token_hash=_token_hash(token), expires_at=expires_at)
    if not minted:
        return None
    invitation.token_hash, invitation.expires_at = _token_hash(token), expires_at
    return token


def do_invite_member(*, by, unit: Unit, email: str, role: str, language: str = ""):
    """Invite a person by email to `unit` with `role`; the outbox mails the link, in
    `language` (empty: the account's), which becomes theirs when they accept.

    Returns the invitation. An open invitation for the same address and unit is replaced.
    `by` None: the account itself invites (a unit file, an account-wide API key)."""

    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise PeopleError(_("Enter a valid email address."), "email") from error
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise PeopleError(_("Choose one of the languages offered."), "language")
    check_may_grant(by, unit=unit, role=role)
    if Membership.objects.filter(user__email__iexact=email, unit=unit).exists():
        raise PeopleError(_("This person is already a member of this unit."), "email")
    now = timezone.now()
    with transaction.atomic():
        MemberInvitation.objects.filter(
            unit=unit, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        # The unit's account object, so the email on commit does not fetch it again.
        invitation = MemberInvitation(
            account=unit.account,
            unit=unit,
            role=role,
            email=email,
            invited_by=by,
            language=language,
        )
        _mint(invitation)
        invitation.save()
        queue_member_mails([invitation], by=by)
    return invitation


def do_invite_members(*, by, invites: Sequence[tuple[Unit, str, str]]) -> list:
    """Invite many people at once (a unit file): each (unit, email, role) checked as
    `do_invite_member` checks one, then one UPDATE revoking the open invitations they replace
    and one INSERT; every link is mailed by the outbox. All or nothing: PeopleError names the
    first address at fault."""

    checked: list[tuple[Unit, str, str]] = []
    granted: set[tuple[int, str]] = set()
    for unit, email, role in invites:
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise PeopleError(
                _("{email!r} is not a valid email address.").format(email=email), "email"
            ) from error
        if (unit.pk, role) not in granted:
            check_may_grant(by, unit=unit, role=role)
            granted.add((unit.pk, role))
        checked.append((unit, email, role))
    wanted = {(unit.pk, email) for unit, email, _role in checked}
    now = timezone.now()
    with transaction.atomic():
        replaced = []
        for start in range(0, len(checked), 500):
            chunk = checked[start : start + 500]
            unit_ids = {unit.pk for unit, _e, _r in chunk}
            emails = {email for _u, email, _r in chunk}
            members = (
                Membership.objects.filter(unit_id__in=unit_ids)
                .annotate(address=Lower("user__email"))
                .filter(address__in=emails)
                .values_list("unit_id", "address")
            )
            for pair in members:
                if pair in wanted:
                    raise PeopleError(
                        _("{email} is already a member of this unit.").format(email=pair[1]),
                        "email",
                    )
            replaced += [
                pk
                for pk, unit_id, email in MemberInvitation.objects.filter(
                    unit_id__in=unit_ids,
                    email__in=emails,
                    accepted_at__isnull=True,
                    revoked_at__isnull=True,
                ).values_list("pk", "unit_id", "email")
                if (unit_id, email) in wanted
            ]
        for start in range(0, len(replaced), 500):
            MemberInvitation.objects.filter(pk__in=replaced[start : start + 500]).update(
                revoked_at=now
            )
        invitations = [
            MemberInvitation(account=unit.account, unit=unit, role=role, email=email, invited_by=by)
            for unit, email, role in checked
        ]
        for invitation in invitations:
            _mint(invitation)
        MemberInvitation.objects.bulk_create(invitations, batch_size=500)
        queue_member_mails(invitations, by=by)
    return invitations


def do_resend_member_invitation(*, by, invitation) -> None:
    """A new link (and a new expiry) for an invitation not yet accepted or revoked: the old
    link stops working at once, the outbox mails the new one."""

    check_may_grant(by, unit=invitation.unit, role=invitation.role)
    with transaction.atomic():
        invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise PeopleError(_("This invitation is closed: invite the person again."))
        _mint(invitation)
        invitation.save(update_fields=["token_hash", "expires_at"])
        _cancel_mails(MemberMail.objects.filter(invitation=invitation))
        queue_member_mails([invitation], by=by)


def do_revoke_member_invitation(*, by, invitation) -> None:

    check_may_grant(by, unit=invitation.unit, role=invitation.role)
    with transaction.atomic():
        MemberInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        _cancel_mails(MemberMail.objects.filter(invitation=invitation))


def queue_member_mails(invitations: Sequence, *, by) -> None:
    """Each invitation's email, for the outbox (its link is minted when it is composed)."""

    now = timezone.now()
    MemberMail.objects.bulk_create(
        [
            MemberMail(
                account_id=invitation.account_id,
                kind=MemberMail.Kind.INVITATION,
                to_email=invitation.email,
                invitation=invitation,
                unit_name=invitation.unit.name[:200],
                by_name=_person_name(by),
                send_at=now,
            )
            for invitation in invitations
        ],
        batch_size=500,
    )


def do_queue_password_reset(user) -> bool:
    """The person's password-reset email, for the outbox (its link is minted when it is
    composed). One waits at a time: asking again while it waits adds nothing."""
    with transaction.atomic():
        waiting = MemberMail.objects.filter(
            user=user, kind=MemberMail.Kind.PASSWORD_RESET, state=MemberMail.State.PENDING
        )
        if waiting.exists():
            return False
        MemberMail.objects.create(
            kind=MemberMail.Kind.PASSWORD_RESET,
            to_email=user.email,
            user=user,
            send_at=timezone.now(),
        )
    return True


def _cancel_mails(mails) -> None:

    mails.filter(state=MemberMail.State.PENDING).update(
        state=MemberMail.State.CANCELLED, updated_at=timezone.now()
    )


def _person_name(by) -> str:
    if by is None:
        return ""
    return (by.get_full_name() or by.get_username())[:200]


def access_member_invitation_by_token(token: str):
    """The open invitation this link is for, or None (unknown, used, revoked or expired)."""

    if not token or len(token) > 64:
        return None
    return (
        MemberInvitation.objects.select_related("account", "unit", "invited_by")
        .filter(
            token_hash=_token_hash(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def existing_user_for(email: str):
    """The account this address already signs in with (as its user name or its email)."""

    return (
        get_user_model()
        .objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("pk")
        .first()
    )


def do_accept_invitation(*, token: str, name: str = "", password: str = "", user=None):
    """Accept an invitation: create the user (name, password; the email is the sign-in name)
    unless an existing user is given, then the membership. Single use: two tabs posting at
    once create one user, the second gets PeopleError."""

    invitation = access_member_invitation_by_token(token)
    if invitation is None:
        raise PeopleError(_("This invitation link has expired or has already been used."))
    users = get_user_model()
    if user is None:
        name = name.strip()
        if not name:
            raise PeopleError(_("Enter your name."), "name")
        if existing_user_for(invitation.email) is not None:
            raise PeopleError(_("This address already has an account: sign in first."), "email")
        try:
            validate_password(password)
        except ValidationError as error:
            raise PeopleError(" ".join(error.messages), "password") from error
    elif (user.email or "").lower() != invitation.email:
        raise PeopleError(
            _("This invitation is for {email}: sign in as that person.").format(
                email=invitation.email
            )
        )
    with transaction.atomic():
        taken = MemberInvitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(accepted_at=timezone.now())
        if not taken:
            raise PeopleError(_("This invitation link has expired or has already been used."))
        if user is None:
            first, _space, last = name.partition(" ")
            user = users.objects.create_user(
                invitation.email, invitation.email, password, first_name=first, last_name=last
            )
        MemberInvitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
        if invitation.language:  # the language they were invited in becomes theirs
            Profile.objects.get_or_create(user=user, defaults={"language": invitation.language})
        membership, _created = Membership.objects.get_or_create(
            user=user, unit=invitation.unit, defaults={"role": invitation.role}
        )
    return membership


def do_change_membership(*, by, membership, role: str) -> None:

    check_may_grant(by, unit=membership.unit, role=membership.role)
    check_may_grant(by, unit=membership.unit, role=role)
    if by is not None and membership.user_id == by.pk:
        raise PeopleError(_("You cannot change your own role."), "role")
    Membership.objects.filter(pk=membership.pk).update(role=role)


def do_remove_membership(*, by, membership) -> None:
    """Remove a membership; the person is told by email (through the outbox) that their
    access to the unit ended, and by whom."""

    check_may_grant(by, unit=membership.unit, role=membership.role)
    if by is not None and membership.user_id == by.pk:
        raise PeopleError(_("You cannot remove your own membership."))
    with transaction.atomic():
        membership.delete()
        if membership.user.email:
            MemberMail.objects.create(
                account_id=membership.unit.account_id,
                kind=MemberMail.Kind.REMOVAL,
                to_email=membership.user.email,
                unit_name=membership.unit.name[:200],
                by_name=_person_name(by),
                send_at=timezone.now(),
            )


def units_q(units: list[Unit], field: str = "unit") -> Q:
    """Rows whose unit lies in any of these subtrees (paths hold global ids, so a path prefix
    never crosses accounts)."""
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(**{f"{field}__path__startswith": unit.path})
    return q


def access_membership(user, pk: int):

    found = (
        Membership.objects.filter(units_q(top_units(user)), pk=pk)
        .select_related("unit", "user")
        .first()
    )
    if found is None:
        raise Http404("No such membership.")
    return found


def access_member_invitation(user, pk: int):

    found = (
        MemberInvitation.objects.filter(paths_q(top_units(user), "unit__path"), pk=pk)
        .select_related("unit", "account", "invited_by")
        .first()
    )
    if found is None:
        raise Http404("No such invitation.")
    return found
