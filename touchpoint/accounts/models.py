"""Accounts (tenants), their organisation tree of units, and their API keys."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from touchpoint.lib.time_zones import is_time_zone


def validate_time_zone(value: str) -> None:
    if value and not is_time_zone(value):
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. Europe/Paris).")


# A kind's name inside a sentence ("North (region)", "every store"): lower-case in English,
# French, Spanish and Hindi, capitalised in German, whose nouns always are. A translated label
# is never lower-cased after the fact (`Kind` labels are headings and menu entries).
KIND_WORDS = {
    "brand": _("brand"),
    "region": _("region"),
    "store": _("store"),
    "vendor": _("support vendor"),
    "team": _("team"),
    "agent": _("agent"),
    "repair_centre": _("repair centre"),
}

KIND_EACH = {
    "brand": _("each brand"),
    "region": _("each region"),
    "store": _("each store"),
    "vendor": _("each support vendor"),
    "team": _("each team"),
    "agent": _("each agent"),
    "repair_centre": _("each repair centre"),
}


class Account(models.Model):
    """A tenant: one brand or client organisation, strictly isolated from every other."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    default_locale = models.CharField(max_length=16, default="en")
    quarantine_days = models.PositiveIntegerField(
        default=90, help_text="A contact is not surveyed again within this many days."
    )
    sender_name = models.CharField(
        max_length=200, blank=True, help_text="Display name on survey emails (default: name)."
    )
    reply_to = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A node of an account's organisation tree: brand, region, store, vendor, team, agent...

    `path` is the materialised list of ancestor ids ("/1/4/17/", the unit's own id last), so a
    subtree is one indexed prefix query. Only `accounts.actions` writes it.
    """

    class Kind(models.TextChoices):
        BRAND = "brand", _("Brand")
        REGION = "region", _("Region")
        STORE = "store", _("Store")
        VENDOR = "vendor", _("Support vendor")
        TEAM = "team", _("Team")
        AGENT = "agent", _("Agent")
        REPAIR_CENTRE = "repair_centre", _("Repair centre")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.SlugField(
        max_length=80, help_text="The account's own identifier, used by intake (e.g. store-012)."
    )
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=400, blank=True, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Blank: the parent's, then the account's.",
    )
    attributes = models.JSONField(
        default=dict,
        blank=True,
        help_text='The account\'s own facts about the unit, e.g. {"format": "mall", "sqm": 120}.',
    )
    is_active = models.BooleanField(default=True, help_text="A closed unit keeps its history.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="unit_code_unique_in_account")
        ]
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind_word})"

    @property
    def kind_word(self) -> str:
        """The unit's kind as a word inside a sentence, in the active language."""
        return str(KIND_WORDS.get(self.kind, self.kind))

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit itself."""
        return self.ids_in_path(self.path)

    @staticmethod
    def ids_in_path(path: str) -> list[int]:
        return [int(part) for part in path.strip("/").split("/") if part]

    def loaded_ancestors(self) -> dict[int, Unit]:
        """This unit and those of its ancestors already loaded with it (`select_related` of
        its parents), by id: what reading them again would cost no query for."""
        found = {}
        current: Unit | None = self
        while current is not None:
            found[current.pk] = current
            if current.parent_id is None or not Unit.parent.is_cached(current):
                break
            current = current.parent
        return found


class ApiKey(models.Model):
    """A per-account secret for the API, optionally limited to one unit's subtree (reports
    only show that part of the tree). Only a SHA-256 of the secret is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="Blank: the whole account. Else the key sees this unit and below only.",
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Membership(models.Model):
    """A user's role on a unit. Scope: that unit and everything below it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Account admin")
        MANAGER = "manager", _("Manager")
        VIEWER = "viewer", _("Viewer")
        FRONTLINE = "frontline", _("Frontline (own results only)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="one_membership_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.unit.name}"


ROLE_RANK: dict[str, int] = {
    Membership.Role.FRONTLINE: 0,
    Membership.Role.VIEWER: 1,
    Membership.Role.MANAGER: 2,
    Membership.Role.ADMIN: 3,
}


class MemberInvitation(models.Model):
    """An invitation by email to join an account at a unit with a role.

    Not a survey invitation: this one asks a colleague in. Only a SHA-256 of the link's secret
    is stored; resending mints a new secret, so an older link stops working. Accepting is
    single-use (a conditional update on `accepted_at`) and the link expires.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="member_invitations")
    role = models.CharField(max_length=12, choices=Membership.Role.choices)
    email = models.EmailField(help_text="Stored lower-cased.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="The language of the invitation email and, once accepted, of the person's "
        "pages and emails. Empty: the account's language.",
    )

    class Meta:
        indexes = [models.Index(fields=["unit", "accepted_at"], name="member_invitation_unit")]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()} of {self.unit.name}"

    def state(self, now) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class MemberMail(models.Model):
    """An email to a colleague about their access, waiting for the outbox engine
    (`notifications.people` sends it): an invitation's link, the notice that a membership
    was removed, a password-reset link. Links are minted when the mail is composed, so no
    working link is ever stored, not even while the mail waits."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMOVAL = "removal", "Access removed"
        PASSWORD_RESET = "password_reset", "Password reset"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not needed any more"

    # None for a password reset: a person may belong to several accounts.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    to_email = models.EmailField()
    invitation = models.ForeignKey(
        MemberInvitation, null=True, blank=True, on_delete=models.CASCADE, related_name="mails"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Whose password is reset.",
    )
    unit_name = models.CharField(max_length=200, blank=True)
    by_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "send_at"], name="member_mail_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} ({self.state})"


class Profile(models.Model):
    """A person's own settings: the language their pages, emails and digests speak. No row,
    or an empty language, means the language of their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.language or 'account language'})"
