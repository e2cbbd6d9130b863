"""The dev outbox: read the mail the app sent, and click through it. Off unless DEV_OUTBOX,
and only for staff even then: it holds every account's mail."""

from __future__ import annotations

import functools
import secrets

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from touchpoint.lib.sms import measure
from touchpoint.outbox.models import CapturedEmail, CapturedSms
from touchpoint.sms.actions import do_receive_sms


def staff_outbox(view):
    """404 unless DEV_OUTBOX; then a staff sign-in (anyone else signed in gets a 404 too)."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.DEV_OUTBOX:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


@staff_outbox
def outbox(request: HttpRequest) -> HttpResponse:
    emails = CapturedEmail.objects.all()[:200]
    sms_messages = CapturedSms.objects.all()[:200]
    # Not "messages": the page's base shows Django's flash messages under that name.
    return render(request, "outbox/list.html", {"emails": emails, "sms_messages": sms_messages})


@staff_outbox
@require_http_methods(["GET", "POST"])
def sms_message(request: HttpRequest, pk: int) -> HttpResponse:
    """A kept SMS, and a box to text back as the customer: the reply goes through the same
    action as Twilio's webhook (without a signature: this page exists only in development)."""
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


@staff_outbox
def message(request: HttpRequest, pk: int) -> HttpResponse:
    captured = get_object_or_404(CapturedEmail, pk=pk)
    parsed = captured.parsed()
    headers = [(k, str(v)) for k, v in parsed.items() if k.lower() != "content-type"]
    return render(
        request,
        "outbox/message.html",
        {"message": captured, "headers": headers, "text": captured.body("plain")},
    )


@xframe_options_sameorigin
@staff_outbox
def message_html(request: HttpRequest, pk: int) -> HttpResponse:
    captured = get_object_or_404(CapturedEmail, pk=pk)
    html = captured.body("html")
    # Links open in the whole window, as they would from a mail client.
    html = html.replace("<head>", '<head><base target="_top">', 1)
    response = HttpResponse(html)
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    return response
