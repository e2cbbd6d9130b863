"""Twilio's webhook for inbound SMS: verified, then handed to the actions; TwiML back."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from touchpoint.outbox.models import SmsSettings
from touchpoint.sms.actions import do_receive_sms

log = logging.getLogger("touchpoint.sms")


def _settings_for(params: dict[str, str]) -> SmsSettings | None:
    """The account whose Twilio number (or messaging service) received the message."""
    candidates = SmsSettings.objects.select_related("account").filter(
        account_sid=params.get("AccountSid", ""), is_active=True
    )
    to, service = params.get("To", ""), params.get("MessagingServiceSid", "")
    matching = candidates.filter(
        Q(from_number=to) | Q(messaging_service_sid=service) if service else Q(from_number=to)
    )
    return matching.first() or (candidates.first() if candidates.count() == 1 else None)


@csrf_exempt  # Twilio's signature is the credential
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """Refused with 403, storing nothing, unless X-Twilio-Signature is right for the URL we
    are published at (SITE_URL: behind a proxy the request's own host may differ) and the
    account's auth token."""
    params = request.POST.dict()
    sms_settings = _settings_for(params)
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.SITE_URL + request.get_full_path()
    if sms_settings is None or not RequestValidator(sms_settings.auth_token).validate(
        url, params, signature
    ):
        log.warning("inbound SMS refused: unknown number or bad signature")
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    message_sid = params.get("MessageSid") or params.get("SmsSid", "")
    if not message_sid or not params.get("From"):
        return HttpResponse("MessageSid and From are required", status=400)
    inbound = do_receive_sms(
        account=sms_settings.account,
        message_sid=message_sid,
        from_number=params["From"],
        body=params.get("Body", ""),
    )
    log.info("inbound SMS %s: %s", inbound.pk, inbound.outcome)
    twiml = MessagingResponse()
    if inbound.reply:
        twiml.message(inbound.reply)
    return HttpResponse(str(twiml), content_type="text/xml")
