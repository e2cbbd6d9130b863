"""The suppression list and the bounce-and-complaint addresses, as an account admin changes
them: every change is audited (who, when, what, why)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account
from touchpoint.contacts import suppressions
from touchpoint.contacts.models import FeedbackKey, Suppression
from touchpoint.lib import sms
from touchpoint.setup.audit import SetupError, actor_name, record_change
from touchpoint.setup.models import SetupChange

Subject = SetupChange.Subject
STATES = ("active", "lifted", "all")


def listed(
    account: Account, *, q: str = "", channel: str = "", reason: str = "", state: str = "active"
) -> tuple[QuerySet[Suppression], dict[str, str]]:
    """The suppression list filtered (an unknown filter value is ignored), newest first, and
    the filters as applied."""
    chosen = {"q": q.strip(), "channel": channel, "reason": reason, "state": state}
    rows = Suppression.objects.filter(account=account)
    if chosen["state"] not in STATES:
        chosen["state"] = "active"
    if chosen["state"] != "all":
        rows = rows.filter(lifted_at__isnull=chosen["state"] == "active")
    if chosen["channel"] in suppressions.CHANNELS:
        rows = rows.filter(channel=chosen["channel"])
    else:
        chosen["channel"] = ""
    if chosen["reason"] in Suppression.Reason.values:
        rows = rows.filter(reason=chosen["reason"])
    else:
        chosen["reason"] = ""
    if chosen["q"]:
        rows = rows.filter(
            Q(address__icontains=chosen["q"].lower())
            | Q(address__icontains=chosen["q"])
            | Q(detail__icontains=chosen["q"])
        )
    return rows.order_by("-created_at", "-pk"), chosen


def check_address(channel: str, address: str) -> str:
    """The address, normalised, or SetupError naming the field at fault."""
    address = address.strip()
    if channel == "email":
        try:
            validate_email(address)
        except ValidationError as error:
            raise SetupError(_("Enter a valid email address."), "address") from error
    elif channel == "sms":
        if not sms.is_e164(address):
            raise SetupError(_("Enter the number in E.164 form, e.g. +34600111222."), "address")
    else:
        raise SetupError(_("Choose email or SMS."), "channel")
    return suppressions.normalise(channel, address)


def do_add_suppression(
    *, account: Account, by, channel: str, address: str, detail: str = ""
) -> Suppression:
    """An admin suppresses an address by hand (a customer asked by phone, a known trap)."""
    address = check_address(channel, address)
    with transaction.atomic():
        row = suppressions.do_suppress(
            account_id=account.pk,
            channel=channel,
            address=address,
            reason=Suppression.Reason.MANUAL,
            detail=detail.strip(),
            source=f"added by {actor_name(by)}",
        )
        if row is None:
            raise SetupError(_("This address is already suppressed."), "address")
        record_change(
            account,
            by,
            Subject.SUPPRESSION,
            "added",
            key=row.pk,
            label=address,
            after={"channel": channel, "reason": row.reason, "detail": row.detail},
        )
    return row


def do_lift_suppression(*, by, suppression: Suppression, reason: str) -> Suppression:
    """Lift a suppression with the reason recorded: the address may be surveyed again."""
    if not reason.strip():
        raise SetupError(_("Say why this address may be surveyed again."), "reason")
    with transaction.atomic():
        try:
            lifted = suppressions.do_lift(suppression=suppression, by=actor_name(by), reason=reason)
        except suppressions.SuppressionError as error:
            raise SetupError(str(error), "reason") from error
        record_change(
            suppression.account,
            by,
            Subject.SUPPRESSION,
            "lifted",
            key=suppression.pk,
            label=suppression.address,
            before={"suppressed": True, "reason": suppression.reason},
            after={"suppressed": False, "why": lifted.lift_reason},
        )
    return lifted


def do_add_feedback_key(*, account: Account, by, name: str) -> suppressions.NewFeedbackKey:
    name = name.strip()
    if not name:
        raise SetupError(_("Name it after the provider that will post to it."), "name")
    with transaction.atomic():
        new = suppressions.do_create_feedback_key(account=account, name=name[:100])
        record_change(account, by, Subject.FEEDBACK_KEY, "created", key=new.key.prefix, label=name)
    return new


def do_revoke_feedback_key(*, by, key: FeedbackKey) -> None:
    with transaction.atomic():
        suppressions.do_revoke_feedback_key(key=key)
        record_change(
            key.account,
            by,
            Subject.FEEDBACK_KEY,
            "revoked",
            key=key.prefix,
            label=key.name,
            before={"active": True},
            after={"active": False},
        )
