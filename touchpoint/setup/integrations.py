"""Kiosks, widget keys, API keys, webhook endpoints and SMS settings, as a CX team manages
them: checked, done through each app's own actions, and recorded. Secrets are write-only:
a kiosk link, an API key and a webhook secret are shown once when minted; afterwards only
their last four characters (or the key's prefix)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoint.accounts.actions import NewApiKey, do_create_api_key, do_revoke_api_key
from touchpoint.accounts.models import Account, ApiKey, Unit
from touchpoint.kiosks import actions as kiosks
from touchpoint.kiosks.models import Kiosk
from touchpoint.notifications.models import Endpoint, new_endpoint_secret
from touchpoint.outbox.models import SmsSettings
from touchpoint.setup.audit import SetupError, record_change
from touchpoint.setup.models import SetupChange
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.surveys.wording import SUPPORTED
from touchpoint.widget.actions import do_create_publishable_key, do_revoke_publishable_key
from touchpoint.widget.models import PublishableKey

Subject = SetupChange.Subject

# The events an endpoint can ask for (empty: all of Touchpoint's own).
EVENTS = {
    "response.created": gettext_lazy("An answer arrives"),
    "response.updated": gettext_lazy("An answer changes"),
    "response.erased": gettext_lazy("An erased customer's words are removed from an answer"),
    "contact.unsubscribed": gettext_lazy("A contact opts out"),
    "contact.erased": gettext_lazy("A contact is erased"),
    "alert.opened": gettext_lazy("An alert fires"),
    "ticket.opened": gettext_lazy("A ticket is opened"),
    "ticket.assigned": gettext_lazy("A ticket is assigned"),
    "ticket.state": gettext_lazy("A ticket changes state"),
    "ticket.note": gettext_lazy("An internal note is added"),
    "ticket.reply": gettext_lazy("A manager replies to the customer"),
    "ticket.replied": gettext_lazy("The customer answers a reply"),
    "ticket.updated": gettext_lazy("The customer changes their answer"),
    "ticket.sla_warning": gettext_lazy("A ticket is about to escalate"),
    "ticket.escalated": gettext_lazy("A ticket escalates"),
    "ticket.follow_up": gettext_lazy("The follow-up is sent"),
    "ticket.follow_up_answered": gettext_lazy("The follow-up is answered"),
    "survey_response.created": gettext_lazy("An answer arrives (Delighted format)"),
    "survey_response.updated": gettext_lazy("An answer changes (Delighted format)"),
    "unsubscribe.created": gettext_lazy("A contact opts out (Delighted format)"),
}


def known_event(name: str) -> bool:
    """An event type, or a family of them (`ticket.*`)."""
    if name.endswith(".*"):
        return any(event.startswith(name[:-1]) for event in EVENTS)
    return name in EVENTS


def last_four(secret: str) -> str:
    return f"…{secret[-4:]}" if secret else ""


def _name(value: str, limit: int = 100) -> str:
    value = (value or "").strip()
    if not value:
        raise SetupError(_("is empty"), "name")
    if len(value) > limit:
        raise SetupError(_("is longer than %(n)s characters") % {"n": limit}, "name")
    return value


# --- kiosks -----------------------------------------------------------------------------------


def kiosk_data(kiosk: Kiosk) -> dict[str, Any]:
    return {
        "name": kiosk.name,
        "unit": kiosk.unit.code,
        "touchpoint": kiosk.touchpoint.slug,
        "locale": kiosk.locale,
        "active": kiosk.is_active,
    }


def kiosk_url(new: kiosks.NewKiosk) -> str:
    return settings.SITE_URL + new.path


def do_add_kiosk(
    *,
    account: Account,
    by,
    name: str,
    unit: Unit | None,
    touchpoint: Touchpoint | None,
    locale: str = "",
) -> kiosks.NewKiosk:
    errors: dict[str, str] = {}
    try:
        name = _name(name)
    except SetupError as error:
        errors.update(error.errors)
    if unit is None or unit.account_id != account.pk:
        errors["unit"] = _("no such unit")
    elif not unit.is_active:
        errors["unit"] = _("this unit is closed")
    if touchpoint is None or touchpoint.account_id != account.pk:
        errors["touchpoint"] = _("no such touchpoint")
    if locale and locale not in SUPPORTED:
        errors["locale"] = _("one of %(langs)s, or blank") % {"langs": ", ".join(SUPPORTED)}
    if errors:
        raise SetupError(errors)
    with transaction.atomic():
        new = kiosks.do_create_kiosk(
            account=account, unit=unit, touchpoint=touchpoint, name=name, locale=locale
        )
        record_change(
            account,
            by,
            Subject.KIOSK,
            "created",
            key=new.kiosk.pk,
            label=name,
            after=kiosk_data(new.kiosk),
        )
    return new


def do_new_kiosk_link(*, by, kiosk: Kiosk) -> kiosks.NewKiosk:
    with transaction.atomic():
        new = kiosks.do_new_kiosk_link(kiosk=kiosk)
        record_change(
            kiosk.account,
            by,
            Subject.KIOSK,
            "new_link",
            key=kiosk.pk,
            label=kiosk.name,
            after={"active": True},
        )
    return new


def do_revoke_kiosk(*, by, kiosk: Kiosk) -> None:
    with transaction.atomic():
        kiosks.do_revoke_kiosk(kiosk=kiosk)
        record_change(
            kiosk.account,
            by,
            Subject.KIOSK,
            "revoked",
            key=kiosk.pk,
            label=kiosk.name,
            before={"active": True},
            after={"active": False},
        )


# --- widget (publishable) keys ----------------------------------------------------------------


def do_add_widget_key(
    *,
    account: Account,
    by,
    name: str,
    touchpoint: Touchpoint | None,
    unit: Unit | None,
    origins: list[str],
) -> PublishableKey:
    errors: dict[str, str] = {}
    try:
        name = _name(name)
    except SetupError as error:
        errors.update(error.errors)
    if touchpoint is None or touchpoint.account_id != account.pk:
        errors["touchpoint"] = _("no such touchpoint")
    elif touchpoint.channel != Channel.WIDGET:
        errors["touchpoint"] = _("choose a touchpoint whose channel is the website widget")
    if unit is None or unit.account_id != account.pk:
        errors["unit"] = _("no such unit")
    origins = [o.strip().rstrip("/") for o in origins if o.strip()]
    if not origins:
        errors["origins"] = _("give at least one origin, e.g. https://shop.example.com")
    for origin in origins:
        scheme, _sep, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host:
            errors["origins"] = _("%(origin)s is not an origin like https://shop.example.com") % {
                "origin": origin
            }
    if errors:
        raise SetupError(errors)
    with transaction.atomic():
        key = do_create_publishable_key(
            account=account, name=name, touchpoint=touchpoint, unit=unit, origins=origins
        )
        record_change(
            account,
            by,
            Subject.WIDGET_KEY,
            "created",
            key=key.key[:12],
            label=name,
            after={"touchpoint": touchpoint.slug, "unit": unit.code, "origins": origins},
        )
    return key


def do_revoke_widget_key(*, by, key: PublishableKey) -> None:
    with transaction.atomic():
        do_revoke_publishable_key(key=key)
        record_change(
            key.account,
            by,
            Subject.WIDGET_KEY,
            "revoked",
            key=key.key[:12],
            label=key.name,
            before={"active": True},
            after={"active": False},
        )


# --- API keys ---------------------------------------------------------------------------------


def do_add_api_key(*, account: Account, by, name: str, unit: Unit | None = None) -> NewApiKey:
    name = _name(name)
    if unit is not None and unit.account_id != account.pk:
        raise SetupError(_("no such unit"), "unit")
    with transaction.atomic():
        new = do_create_api_key(account=account, name=name, unit=unit)
        record_change(
            account,
            by,
            Subject.API_KEY,
            "created",
            key=new.api_key.prefix,
            label=name,
            after={"unit": unit.code if unit else None},
        )
    return new


def do_revoke_key(*, by, api_key: ApiKey) -> None:
    with transaction.atomic():
        do_revoke_api_key(api_key=api_key)
        record_change(
            api_key.account,
            by,
            Subject.API_KEY,
            "revoked",
            key=api_key.prefix,
            label=api_key.name,
            before={"active": True},
            after={"active": False},
        )


# --- webhook endpoints ------------------------------------------------------------------------


@dataclass
class SavedEndpoint:
    endpoint: Endpoint
    secret: str  # the new secret, shown once; "" when it did not change


def endpoint_data(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "name": endpoint.name,
        "kind": endpoint.kind,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
        "secret": last_four(endpoint.secret),
    }


def do_save_webhook(
    *, account: Account, by, endpoint: Endpoint | None, values: dict[str, Any]
) -> SavedEndpoint:
    """Add an endpoint (endpoint=None; its signing secret is minted and returned once) or
    change one (its secret stays)."""
    creating = endpoint is None
    target = Endpoint(account=account) if creating else Endpoint.objects.get(pk=endpoint.pk)
    before = {} if creating else endpoint_data(target)
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name not in ("name", "kind", "url", "events", "is_active"):
            raise SetupError(_("unknown field"), name)
        setattr(target, name, value)
    try:
        target.name = _name(target.name)
    except SetupError as error:
        errors.update(error.errors)
    if target.kind not in Endpoint.Kind.values:
        errors["kind"] = _("one of %(kinds)s") % {"kinds": ", ".join(Endpoint.Kind.values)}
    try:
        URLValidator(schemes=["http", "https"])(target.url or "")
    except ValidationError:
        errors["url"] = _("enter a full address, e.g. https://hooks.example.com/touchpoint")
    events = target.events if isinstance(target.events, list) else None
    if events is None or not all(isinstance(e, str) for e in events):
        errors["events"] = _("a list of event types")
    elif unknown := sorted(e for e in set(events) if not known_event(e)):
        errors["events"] = _("%(event)s is not an event; the events are %(events)s") % {
            "event": unknown[0],
            "events": ", ".join(EVENTS),
        }
    if errors:
        raise SetupError(errors)
    secret = ""
    if creating:
        target.secret = secret = new_endpoint_secret()
    with transaction.atomic():
        target.save()
        record_change(
            account,
            by,
            Subject.WEBHOOK,
            "created" if creating else "changed",
            key=target.pk,
            label=target.name,
            before=before,
            after=endpoint_data(target),
        )
    return SavedEndpoint(target, secret)


def do_roll_webhook_secret(*, by, endpoint: Endpoint) -> str:
    """A new signing secret, returned once; the old one stops signing at once."""
    secret = new_endpoint_secret()
    with transaction.atomic():
        old = endpoint.secret
        Endpoint.objects.filter(pk=endpoint.pk).update(secret=secret)
        record_change(
            endpoint.account,
            by,
            Subject.WEBHOOK,
            "new_secret",
            key=endpoint.pk,
            label=endpoint.name,
            before={"secret": last_four(old)},
            after={"secret": last_four(secret)},
        )
    endpoint.secret = secret
    return secret


def do_unsubscribe_hook(*, by, endpoint: Endpoint) -> None:
    """A REST hook's DELETE (or its receiver answering 410 Gone): the endpoint stops
    receiving events; its delivery log stays."""
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        record_change(
            endpoint.account,
            by,
            Subject.WEBHOOK,
            "unsubscribed",
            key=endpoint.pk,
            label=endpoint.name,
            before={"is_active": endpoint.is_active},
            after={"is_active": False},
        )
    endpoint.is_active = False


# --- SMS settings -----------------------------------------------------------------------------


def sms_data(sms: SmsSettings | None) -> dict[str, Any]:
    if sms is None:
        return {}
    return {
        "provider": sms.provider,
        "account_sid": sms.account_sid,
        "auth_token": sms.masked_token,
        "from_number": sms.from_number,
        "messaging_service_sid": sms.messaging_service_sid,
        "is_active": sms.is_active,
    }


def do_save_sms_settings(*, account: Account, by, values: dict[str, Any]) -> SmsSettings:
    """Set the account's Twilio credentials and sender. A blank auth token keeps the stored
    one; the token is never read back."""
    current = SmsSettings.objects.filter(account=account).first()
    target = current or SmsSettings(account=account)
    before = sms_data(current)
    for name, value in values.items():
        if name not in (
            "account_sid",
            "auth_token",
            "from_number",
            "messaging_service_sid",
            "is_active",
        ):
            raise SetupError(_("unknown field"), name)
        if name == "auth_token" and not value:
            continue
        setattr(target, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, str] = {}
    try:
        target.full_clean(exclude=["account"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors["from_number" if field == "__all__" else field] = " ".join(messages)
    if not target.auth_token:
        errors["auth_token"] = _("enter the auth token from the Twilio console")
    if errors:
        raise SetupError(errors)
    with transaction.atomic():
        target.save()
        record_change(
            account,
            by,
            Subject.SMS,
            "created" if current is None else "changed",
            label="Twilio",
            before=before,
            after=sms_data(target),
        )
    return target
