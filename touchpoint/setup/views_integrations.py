"""Setup pages for kiosks, widget keys, API keys, webhook endpoints and SMS settings. A new
secret (kiosk link, API key, webhook secret) is shown once, in the answer to the request that
made it, never stored in a cookie, a message or the database."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account, ApiKey, Unit
from touchpoint.kiosks.models import Kiosk
from touchpoint.notifications.models import Endpoint
from touchpoint.outbox.models import SmsSettings
from touchpoint.setup import forms, integrations
from touchpoint.setup.audit import SetupError
from touchpoint.setup.views import page, setup_view
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.widget.models import PublishableKey


def _unit(account: Account, code: str) -> Unit | None:
    return Unit.objects.filter(account=account, code=code.strip()).first() if code else None


def _touchpoint(account: Account, slug: str) -> Touchpoint | None:
    return Touchpoint.objects.filter(account=account, slug=slug).first() if slug else None


def _touchpoint_choices(account: Account, channel: str = "") -> list[tuple[str, str]]:
    found = Touchpoint.objects.filter(account=account).order_by("name")
    if channel:
        found = found.filter(channel=channel)
    return [(t.slug, t.name) for t in found]


@setup_view
def kiosks(request: HttpRequest, account: Account) -> HttpResponse:
    form = forms.KioskForm(request.POST if request.POST.get("action") == "add" else None)
    form.fields["touchpoint"].choices = _touchpoint_choices(account)
    minted = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add" and form.is_valid():
            data = form.cleaned_data
            try:
                minted = integrations.do_add_kiosk(
                    account=account,
                    by=request.user,
                    name=data["name"],
                    unit=_unit(account, data["unit"]),
                    touchpoint=_touchpoint(account, data["touchpoint"]),
                    locale=data["locale"],
                )
            except SetupError as error:
                form.show(error)
            else:
                form = forms.KioskForm()
                form.fields["touchpoint"].choices = _touchpoint_choices(account)
        elif action in ("link", "revoke"):
            kiosk = Kiosk.objects.filter(account=account, pk=request.POST.get("id")).first()
            if kiosk is None:
                raise Http404("No such kiosk.")
            if action == "link":
                minted = integrations.do_new_kiosk_link(by=request.user, kiosk=kiosk)
            else:
                integrations.do_revoke_kiosk(by=request.user, kiosk=kiosk)
                messages.success(request, _("%(name)s is switched off.") % {"name": kiosk.name})
                return redirect("setup-kiosks")
    return page(
        request,
        "setup/kiosks.html",
        {
            "account": account,
            "form": form,
            "minted": minted,
            "minted_url": integrations.kiosk_url(minted) if minted else "",
            "kiosks": Kiosk.objects.filter(account=account)
            .select_related("unit", "touchpoint")
            .order_by("revoked_at", "name"),
        },
        status=400 if form.errors else 200,
    )


@setup_view
def widget_keys(request: HttpRequest, account: Account) -> HttpResponse:
    form = forms.WidgetKeyForm(request.POST if request.POST.get("action") == "add" else None)
    form.fields["touchpoint"].choices = _touchpoint_choices(account, Channel.WIDGET)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add" and form.is_valid():
            data = form.cleaned_data
            try:
                key = integrations.do_add_widget_key(
                    account=account,
                    by=request.user,
                    name=data["name"],
                    touchpoint=_touchpoint(account, data["touchpoint"]),
                    unit=_unit(account, data["unit"]),
                    origins=data["origins"].split(),
                )
            except SetupError as error:
                form.show(error)
            else:
                messages.success(request, _("Key %(name)s is ready.") % {"name": key.name})
                return redirect("setup-widget-keys")
        elif action == "revoke":
            key = PublishableKey.objects.filter(account=account, pk=request.POST.get("id")).first()
            if key is None:
                raise Http404("No such key.")
            integrations.do_revoke_widget_key(by=request.user, key=key)
            messages.success(request, _("%(name)s is revoked.") % {"name": key.name})
            return redirect("setup-widget-keys")
    return page(
        request,
        "setup/widget_keys.html",
        {
            "account": account,
            "form": form,
            "keys": PublishableKey.objects.filter(account=account)
            .select_related("touchpoint", "unit")
            .order_by("revoked_at", "name"),
            "site_url": request.build_absolute_uri("/").rstrip("/"),
        },
        status=400 if form.errors else 200,
    )


@setup_view
def api_keys(request: HttpRequest, account: Account) -> HttpResponse:
    form = forms.ApiKeyForm(request.POST if request.POST.get("action") == "add" else None)
    minted = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add" and form.is_valid():
            data = form.cleaned_data
            unit = _unit(account, data["unit"])
            try:
                if data["unit"] and unit is None:
                    raise SetupError(_("no unit with this code"), "unit")
                minted = integrations.do_add_api_key(
                    account=account, by=request.user, name=data["name"], unit=unit
                )
            except SetupError as error:
                form.show(error)
            else:
                form = forms.ApiKeyForm()
        elif action == "revoke":
            key = ApiKey.objects.filter(account=account, pk=request.POST.get("id")).first()
            if key is None:
                raise Http404("No such key.")
            integrations.do_revoke_key(by=request.user, api_key=key)
            messages.success(request, _("%(name)s is revoked.") % {"name": key.name})
            return redirect("setup-api-keys")
    return page(
        request,
        "setup/api_keys.html",
        {
            "account": account,
            "form": form,
            "minted": minted,
            "keys": ApiKey.objects.filter(account=account)
            .select_related("unit")
            .order_by("revoked_at", "name"),
        },
        status=400 if form.errors else 200,
    )


@setup_view
def webhooks(request: HttpRequest, account: Account) -> HttpResponse:
    editing = None
    if request.GET.get("edit", "").isascii() and request.GET.get("edit", "").isdigit():
        editing = Endpoint.objects.filter(account=account, pk=int(request.GET["edit"])).first()
    initial = (
        integrations.endpoint_data(editing) if editing else {"is_active": True, "kind": "json"}
    )
    form = forms.WebhookForm(
        request.POST if request.POST.get("action") == "save" else None, initial=initial
    )
    secret, saved = "", None
    if request.method == "POST":
        action = request.POST.get("action")
        target = None
        if request.POST.get("id"):
            target = Endpoint.objects.filter(account=account, pk=request.POST["id"]).first()
            if target is None:
                raise Http404("No such endpoint.")
        if action == "save" and form.is_valid():
            try:
                result = integrations.do_save_webhook(
                    account=account, by=request.user, endpoint=target, values=form.cleaned_data
                )
            except SetupError as error:
                form.show(error)
                editing = target
            else:
                if not result.secret:
                    messages.success(request, _("Saved %(name)s.") % {"name": result.endpoint.name})
                    return redirect("setup-webhooks")
                secret, saved = result.secret, result.endpoint
                form = forms.WebhookForm(initial={"is_active": True, "kind": "json"})
        elif action == "save":
            editing = target
        elif action == "secret" and target is not None:
            secret = integrations.do_roll_webhook_secret(by=request.user, endpoint=target)
            saved = target
    return page(
        request,
        "setup/webhooks.html",
        {
            "account": account,
            "form": form,
            "editing": editing,
            "secret": secret,
            "saved": saved,
            "endpoints": Endpoint.objects.filter(account=account).order_by("-is_active", "name"),
            "events": integrations.EVENTS,
        },
        status=400 if form.errors else 200,
    )


@setup_view
def sms_settings(request: HttpRequest, account: Account) -> HttpResponse:
    current = SmsSettings.objects.filter(account=account).first()
    initial = (
        {**integrations.sms_data(current), "auth_token": ""} if current else {"is_active": True}
    )
    form = forms.SmsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            integrations.do_save_sms_settings(
                account=account, by=request.user, values=form.cleaned_data
            )
        except SetupError as error:
            form.show(error)
        else:
            messages.success(request, _("Saved the SMS settings."))
            return redirect("setup-sms")
    return page(
        request,
        "setup/sms.html",
        {
            "account": account,
            "form": form,
            "current": current,
            "hook": request.build_absolute_uri("/hooks/twilio/sms"),
        },
        status=400 if form.errors else 200,
    )
