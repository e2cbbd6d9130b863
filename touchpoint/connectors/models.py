"""Connectors: an account's link to a helpdesk, a CRM, a newsletter tool or an event stream.

A `Connector` holds the account's settings for one vendor (its mapping of vendor groups,
agents or owners to units; which fields get what) and its credentials, encrypted and
write-only. What comes in is an `InboundEvent` (kept with its outcome: recorded as an
interaction, or parked with the reason, replayable); what goes out is a `ConnectorCall`,
a queue the outbox engine sends exactly once or fails with a reason. Both together are the
connector's sync log.
"""

from __future__ import annotations

from django.db import models

from touchpoint.accounts.models import Account


class Connector(models.Model):
    class Kind(models.TextChoices):
        ZENDESK = "zendesk", "Zendesk"
        FRESHDESK = "freshdesk", "Freshdesk"
        HUBSPOT = "hubspot", "HubSpot"
        SALESFORCE = "salesforce", "Salesforce"
        MAILCHIMP = "mailchimp", "Mailchimp"
        SEGMENT = "segment", "Segment / RudderStack"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="connectors")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(default=True, help_text="Off: nothing in, nothing out.")
    base_url = models.URLField(
        max_length=300,
        blank=True,
        help_text="Blank: the vendor's own address. Else a proxy (or a local imitation).",
    )
    # Settings that are not secret: the vendor account's address, the mapping of vendor
    # groups, agents or owners to units, the fields that get the score… (per kind).
    config = models.JSONField(default=dict, blank=True)
    # The credentials, a Fernet token of their JSON (connectors/secrets.py); never shown.
    credentials = models.TextField(blank=True, editable=False)
    # Their last four characters, to tell which one is stored.
    credential_hints = models.JSONField(default=dict, blank=True, editable=False)
    # The secret key of its inbound address (/integrations/<kind>/<key>) is not stored: a
    # nonce and the key's SHA-256 are (touchpoint/lib/links.py), set by the actions when the
    # connector is made or given a new address. An address made before that has its hash
    # and no nonce: it keeps working but cannot be shown again.
    inbound_nonce = models.CharField(max_length=32, blank=True, editable=False)
    inbound_hash = models.CharField(max_length=64, editable=False)
    # Set when the vendor refused the credentials (401): calls wait until an admin fixes them.
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="one_connector_per_kind"),
            # A constraint rather than unique=True: on PostgreSQL that would add a second,
            # text-pattern index, useless for an exact lookup.
            models.UniqueConstraint(fields=["inbound_hash"], name="one_connector_per_inbound_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.account}"

    @property
    def destination(self) -> str:
        """The outbox circuit of this connector's vendor account."""
        return f"connector:{self.pk}"


class InboundEvent(models.Model):
    """One thing a vendor told us (a ticket solved, a deal won, a `track` call), and what
    became of it. Unique per connector and vendor id: a repeat is counted, never recorded
    twice."""

    class State(models.TextChoices):
        RECORDED = "recorded", "Recorded as an interaction"
        PARKED = "parked", "Parked"
        LOOKUP = "lookup", "Waiting for details from the vendor"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="inbound")
    vendor_id = models.CharField(max_length=200, help_text="The vendor's id for this event.")
    # The vendor's object: the helpdesk ticket, the deal, the case (for notes written back).
    object_id = models.CharField(max_length=100, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices)
    reason = models.CharField(max_length=300, blank=True)
    # What the event said, normalised (contact, time, the vendor's group, agent or owner):
    # what a replay maps again.
    incoming = models.JSONField(default=dict)
    interaction = models.ForeignKey(
        "surveys.Interaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField()
    recorded_at = models.DateTimeField(null=True, blank=True)
    repeats = models.PositiveIntegerField(default=0, help_text="Times the vendor sent it again.")
    replays = models.PositiveIntegerField(default=0, help_text="Times an admin replayed it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "vendor_id"], name="inbound_once")
        ]
        indexes = [models.Index(fields=["connector", "-received_at"], name="inbound_recent")]

    def __str__(self) -> str:
        return f"{self.connector.kind} {self.vendor_id} ({self.state})"


class ConnectorCall(models.Model):
    """One call to a vendor's API (a note on a helpdesk ticket, a CRM contact's properties, a
    newsletter member's tag), sent by the outbox engine: claimed, leased, retried, paused
    with its vendor's circuit; exactly once, or failed with the reason."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="calls")
    operation = models.CharField(max_length=40)
    # A call that may simply go again (a PUT of the same values); a note may not.
    idempotent = models.BooleanField(default=False)
    payload = models.JSONField(default=dict, blank=True)
    event_id = models.UUIDField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200)  # unique: Meta (no LIKE index on PostgreSQL)
    summary = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="connector_call_dedupe_key_unique")
        ]
        indexes = [
            models.Index(fields=["state", "send_at"], name="connector_call_due"),
            models.Index(fields=["connector", "-created_at"], name="connector_call_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} ({self.state})"
