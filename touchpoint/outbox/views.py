"""The dev outbox: read the mail the app sent, and click through it. Off unless DEV_OUTBOX."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from touchpoint.outbox.models import CapturedEmail, CapturedSms


def _enabled() -> None:
    if not settings.DEV_OUTBOX:
        raise Http404


def outbox(request: HttpRequest) -> HttpResponse:
    _enabled()
    emails = CapturedEmail.objects.all()[:200]
    sms_messages = CapturedSms.objects.all()[:200]
    # Not "messages": the page's base shows Django's flash messages under that name.
    return render(request, "outbox/list.html", {"emails": emails, "sms_messages": sms_messages})


@require_http_methods(["GET", "POST"])
def sms_message(request: HttpRequest, pk: int) -> HttpResponse:
    """A kept SMS, and a box to text back as the customer: the reply goes through the same
    action as Twilio's webhook (without a signature: this page exists only in development)."""
    _enabled()
    from touchpoint.lib.sms import measure
    from touchpoint.sms.actions import do_receive_sms

    captured = get_object_or_404(CapturedSms.objects.select_related("account"), pk=pk)
    inbound = None
    if request.method == "POST" and captured.account is not None:
        inbound = do_receive_sms(
            account=captured.account,
            message_sid=f"dev-{secrets.token_hex(16)}",
            from_number=captured.to,
            body=request.POST.get("body", ""),
        )
    return render(
        request,
        "outbox/sms.html",
        {"sms": captured, "length": measure(captured.body), "inbound": inbound},
    )


def message(request: HttpRequest, pk: int) -> HttpResponse:
    _enabled()
    captured = get_object_or_404(CapturedEmail, pk=pk)
    parsed = captured.parsed()
    headers = [(k, str(v)) for k, v in parsed.items() if k.lower() != "content-type"]
    return render(
        request,
        "outbox/message.html",
        {"message": captured, "headers": headers, "text": captured.body("plain")},
    )


@xframe_options_sameorigin
def message_html(request: HttpRequest, pk: int) -> HttpResponse:
    _enabled()
    captured = get_object_or_404(CapturedEmail, pk=pk)
    html = captured.body("html")
    # Links open in the whole window, as they would from a mail client.
    html = html.replace("<head>", '<head><base target="_top">', 1)
    response = HttpResponse(html)
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response
