"""Touchpoints with their survey rules, interactions, and the invitations they lead to."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.models import Contact
from touchpoint.surveys.questions import QuestionError, check_questions, check_widget_rules


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEB = "web", _("Web link")
    WIDGET = "widget", _("Website widget")
    IN_APP = "in_app", _("In-app")
    KIOSK = "kiosk", _("Kiosk")
    PHONE = "phone", _("Phone interview")


class Touchpoint(models.Model):
    """A kind of moment where the customer meets the brand, with its survey rule."""

    class Kind(models.TextChoices):
        STORE_PURCHASE = "store_purchase", _("Store purchase")
        SUPPORT_CALL = "support_call", _("Support call closed")
        REPAIR = "repair", _("Repair completed")
        LANDING_PAGE = "landing_page", _("Landing page or ad")
        SIGN_UP = "sign_up", _("Sign-up")
        ONLINE_PURCHASE = "online_purchase", _("Online purchase")
        CONTACT_CHANGE = "contact_change", _("Contact-details change")
        CANCELLATION = "cancellation", _("Cancellation")
        RELATIONSHIP = "relationship", _("Relationship (periodic)")
        OTHER = "other", _("Other")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="touchpoints")
    slug = models.SlugField(max_length=60, help_text="Used by intake, e.g. store-purchase.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    is_active = models.BooleanField(default=True)

    # The survey rule.
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    fallback_channel = models.CharField(
        max_length=10,
        choices=[(Channel.EMAIL, "Email"), (Channel.SMS, "SMS")],
        blank=True,
        help_text="If the survey cannot be delivered on the channel above (failed for good), "
        "send it on this one instead, when the contact has an address for it.",
    )
    delay = models.DurationField(
        default=dt.timedelta(0), help_text="Time between the interaction and the invitation."
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="No invitation is sent from this local time..."
    )
    quiet_hours_end = models.TimeField(
        null=True, blank=True, help_text="...until this local time (contact's time zone)."
    )
    expiry_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Days after sending during which the survey link can be answered.",
    )
    sampling_rate = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of interactions that get a survey (1 = all).",
    )
    quarantine_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Blank: the account's quarantine window."
    )
    wording = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per-language overrides, e.g. {"fr": {"question": "...", "subject": "..."}}. '
        "Keys: subject, question, intro, why, thanks. {brand} and {unit} are replaced.",
    )
    questions = models.JSONField(
        default=list,
        blank=True,
        help_text="Follow-up questions shown after the score, e.g. "
        '[{"key": "reasons", "type": "multiple_choice", "text": "Why are you leaving?", '
        '"options": [{"key": "price", "label": "Price"}], "show_to": ["detractor"]}]. '
        "Types: text, single_choice, multiple_choice, scale (1-5). Text and labels: a string "
        '(translated when the catalogue has it) or {"en": ..., "fr": ...}.',
    )
    widget_rules = models.JSONField(
        default=dict,
        blank=True,
        help_text="When the website widget asks: "
        '{"delay_seconds": 10, "min_page_views": 2, "url_patterns": ["/shop/*"]}.',
    )
    # Reminders to contacts who neither answered nor opted out (`surveys.reminders`): at most
    # `reminder_count`, `reminder_after_days` apart, on the invitation's channel.
    reminder_count = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(3)],
        help_text="At most this many reminders to people who have not answered (0: none).",
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days after the invitation (or the previous reminder).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "slug"], name="touchpoint_slug_unique_in_account"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError("Quiet hours need both a start and an end, or neither.")
        try:
            check_questions(self.questions)
        except QuestionError as error:
            raise ValidationError({"questions": str(error)}) from None
        try:
            check_widget_rules(self.widget_rules)
        except QuestionError as error:
            raise ValidationError({"widget_rules": str(error)}) from None

    @property
    def effective_quarantine_days(self) -> int:
        if self.quarantine_days is not None:
            return self.quarantine_days
        return self.account.quarantine_days


class Interaction(models.Model):
    """One thing that happened at a touchpoint for a contact, at a responsible unit."""

    # No index of their own: (account, external_id) leads with the account, and a touchpoint
    # alone selects too much to be worth an index on every write. No query reads interactions
    # by time (reports read answers and rollups): an (account, occurred_at) index cost every
    # intake row an insert into it and served nothing.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="interactions", db_index=False
    )
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, db_index=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="interactions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="responsible unit")
    occurred_at = models.DateTimeField()
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (see Contact)
    properties = models.JSONField(default=dict, blank=True)
    payload_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="interaction_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint} at {self.unit.name} ({self.occurred_at:%Y-%m-%d})"


class Invitation(models.Model):
    """One survey sent, or to be sent, to a contact for an interaction over a channel.

    States: scheduled → sending → sent → answered / expired; scheduled → suppressed (never
    sent, with its reason) or expired; sending → scheduled again (retry) or failed (reason).
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        SUPPRESSED = "suppressed", _("Suppressed")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Reason(models.TextChoices):
        QUARANTINE = "quarantine", _("Contact surveyed recently (quarantine)")
        OPTED_OUT = "opted_out", _("Contact opted out")
        SAMPLED_OUT = "sampled_out", _("Not in the sample")
        NO_ADDRESS = "no_address", _("No address for the channel")
        STALE = "stale", _("Expiry passed before it could be sent")
        TOUCHPOINT_INACTIVE = "touchpoint_inactive", _("Touchpoint switched off")
        CHANNEL_UNAVAILABLE = "channel_unavailable", _("Channel not set up")
        DELIVERY_ERROR = "delivery_error", _("Delivery failed")
        RETRIES_EXHAUSTED = "retries_exhausted", _("Delivery failed after all retries")
        HANDOFF_INTERRUPTED = "handoff_interrupted", _("Worker stopped mid-send (not resent)")
        NOT_ANSWERED = "not_answered", _("Not answered before expiry")
        CANCELLED = "cancelled", _("Cancelled before sending (by request)")
        UNREACHABLE = "unreachable", _("No answer after every call attempt")
        REFUSED = "refused", _("Refused the interview")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        SUPPRESSED_ADDRESS = "suppressed_address", _("Address suppressed (bounced or complained)")
        ADDRESS_REFUSED = "address_refused", _("The address or number was refused for good")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    # The unique (interaction, channel) constraint indexes interaction lookups.
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SCHEDULED)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    # The survey (and unsubscribe) link: never its token, only the nonce it is derived from
    # with SECRET_KEY and its SHA-256, which a visitor's token is looked up by (surveys/
    # tokens.py). None for a suppressed invitation, which is never sent (and so most
    # quarantined rows cost no random insert into this unique index). Unique by a constraint
    # (Meta), not `unique=True`: on PostgreSQL that would add a second index for LIKE
    # searches, which nothing runs on a hash, and every invitation sent paid its insert.
    token_nonce = models.CharField(max_length=32, blank=True, editable=False)
    token_hash = models.CharField(  # noqa: DJ001 (NULL: unsent rows stay out of the index)
        max_length=64, null=True, blank=True, editable=False
    )
    send_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    # The sending pass that holds it (the outbox engine claims rows in batches).
    claimed_by = models.CharField(max_length=32, blank=True, editable=False)
    # Not a column: whether its address is on the suppression list, read by the sender for
    # the batch it is about to compose (surveys.delivery); None: not read.
    address_suppressed: bool | None = None
    sent_at = models.DateTimeField(null=True, blank=True)
    # The SMS provider's id for the message (Twilio's SM… sid), once it accepted it.
    provider_message_id = models.CharField(max_length=64, blank=True)
    # Phone interviews: the interviewer holding the call, until `lease_expires_at`. For a
    # phone invitation `send_at` is when it is next due in the queue and `attempts` counts
    # the calls made.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "channel"], name="one_invitation_per_interaction_channel"
            ),
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_hash_unique"),
        ]
        # Each worker query has its own partial index, so the suppressed invitations (most
        # of a large import: quarantine, sampling) are in none of them, and a sweep reads
        # only the rows in its state.
        indexes = [
            models.Index(
                fields=["send_at"], condition=models.Q(state="scheduled"), name="invitation_due"
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="sending"),
                name="invitation_lease",
            ),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(state="sent"),
                name="invitation_unanswered",
            ),
            # The interviewers' queue: phone invitations waiting for a call.
            models.Index(
                fields=["send_at"],
                condition=models.Q(channel="phone", state="sent"),
                name="invitation_phone_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} invitation {self.pk} ({self.state})"


class RecurringSurvey(models.Model):
    """A relationship survey sent again to every member of a segment every N months.

    Members are due-dated rows (`RecurringMember.next_survey_at`): a worker claims a due member
    with a conditional UPDATE that moves its date one period on, then records an interaction
    for it through the ordinary intake, so quarantine, opt-outs and quiet hours apply exactly
    as to any other survey. New members get dates spread evenly over one period, so a segment
    of 10,000 people is surveyed a few a day, never in one blast.

    Audience: `segment` re-reads the contacts whose attributes match `segment` (exact values,
    e.g. {"plan": "pro"}; empty = every contact) at most hourly; `members` is a list managed by
    hand, through the admin or the Delighted-compatible Autopilot API.
    """

    class Audience(models.TextChoices):
        SEGMENT = "segment", _("Contacts matching the attribute filters")
        MEMBERS = "members", _("Members added one by one (API, admin)")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="recurring")
    name = models.CharField(max_length=200)
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, help_text="Its channel and survey rule apply."
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="responsible unit")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.SEGMENT)
    segment = models.JSONField(
        default=dict, blank=True, help_text='Attribute filters, e.g. {"plan": "pro"}.'
    )
    every_months = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    is_active = models.BooleanField(default=True)
    # When the segment is next re-read; claimed with a conditional UPDATE like any due row.
    refresh_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} (every {self.every_months} months)"


class RecurringMember(models.Model):
    """A contact in a recurring survey, with the date their next survey is due."""

    survey = models.ForeignKey(RecurringSurvey, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="recurring_memberships"
    )
    properties = models.JSONField(
        default=dict, blank=True, help_text="Given to each interaction this membership creates."
    )
    next_survey_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "contact"], name="one_membership_per_survey")
        ]
        indexes = [models.Index(fields=["next_survey_at"], name="recurring_member_due")]

    def __str__(self) -> str:
        return f"{self.contact} in {self.survey.name}"


class Reminder(models.Model):
    """One reminder of a survey not answered yet, sent on the invitation's channel through
    the outbox engine. Planned when the invitation goes out (its touchpoint's
    `reminder_count`, `reminder_after_days` apart, out of quiet hours, before the expiry);
    cancelled by an answer or an opt-out, and never sent after an answer (the hand-off checks
    the invitation under its row lock)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Not needed (answered, opted out, expired)")
        FAILED = "failed", _("Failed")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    detail = models.CharField(max_length=500, blank=True)
    send_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "number"], name="one_reminder_number")
        ]
        indexes = [
            models.Index(
                fields=["send_at"], condition=models.Q(state="pending"), name="reminder_due"
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="sending"),
                name="reminder_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"reminder {self.number} of invitation {self.invitation_id} ({self.state})"


class LegacyLink(models.Model):
    """A survey link sent before links were derived (touchpoint/lib/links.py) whose
    invitation got a derivable link at the upgrade, so that its reminders can carry one. Only
    the SHA-256 of the old token is kept: the first message's link still opens the survey.
    Made by the upgrade's migration only; gone with its invitation."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="legacy_links"
    )

    def __str__(self) -> str:
        return f"earlier link of invitation {self.invitation_id}"
