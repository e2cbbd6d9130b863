"""Setup pages for connectors: the list, and one page per vendor with its settings, the
write-only credentials, the inbound address (and a new one on demand), a test of the
connection, and its sync log (parked events replayable from it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account
from touchpoint.connectors.actions import shown_inbound_url
from touchpoint.connectors.models import Connector, InboundEvent
from touchpoint.connectors.vendors import VENDORS
from touchpoint.setup import connectors
from touchpoint.setup.audit import SetupError
from touchpoint.setup.connector_forms import ConnectorForm
from touchpoint.setup.views import page, setup_view


@setup_view
def connector_list(request: HttpRequest, account: Account) -> HttpResponse:
    existing = {c.kind: c for c in Connector.objects.filter(account=account)}
    rows = [
        {"kind": kind, "vendor": vendor, "connector": existing.get(kind)}
        for kind, vendor in VENDORS.items()
    ]
    return page(request, "setup/connectors.html", {"account": account, "rows": rows})


@setup_view
def connector_page(request: HttpRequest, account: Account, kind: str) -> HttpResponse:
    vendor = VENDORS.get(kind)
    if vendor is None:
        raise Http404("No such connector.")
    connector = connectors.access_connector(account, kind)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    form = ConnectorForm(vendor, connector, request.POST if action == "save" else None)
    test = None
    if action == "save" and form.is_valid() and (values := form.values()) is not None:
        try:
            connectors.do_save_connector(account=account, by=request.user, kind=kind, values=values)
        except SetupError as error:
            form.show(error)
        else:
            messages.success(
                request, _("Saved the %(vendor)s connector.") % {"vendor": vendor.label}
            )
            return redirect("setup-connector", kind=kind)
    elif action == "new_address" and connector is not None and vendor.inbound:
        connectors.do_new_inbound_address(by=request.user, connector=connector)
        messages.success(
            request,
            _("New inbound address made: give it to %(vendor)s; the old one no longer works.")
            % {"vendor": vendor.label},
        )
        return redirect("setup-connector", kind=kind)
    elif action == "test" and connector is not None:
        test = connectors.do_test_connector(by=request.user, connector=connector)
    elif action == "import" and connector is not None and kind == "mailchimp":
        try:
            connectors.do_import_audience(by=request.user, connector=connector)
        except SetupError as error:
            messages.error(request, " ".join(error.errors.values()))
        else:
            messages.info(request, _("The import has started: its pages appear in the log."))
        return redirect("setup-connector", kind=kind)
    elif action == "replay" and connector is not None:
        event = InboundEvent.objects.filter(connector=connector, pk=request.POST.get("id")).first()
        if event is None:
            raise Http404("No such event.")
        try:
            replayed = connectors.do_replay_event(by=request.user, event=event)
        except SetupError as error:
            messages.error(request, " ".join(error.errors.values()))
        else:
            messages.info(
                request,
                _("Event %(id)s: %(state)s. %(reason)s")
                % {
                    "id": event.vendor_id,
                    "state": replayed.get_state_display(),
                    "reason": replayed.reason,
                },
            )
        return redirect("setup-connector", kind=kind)
    return page(
        request,
        "setup/connector.html",
        {
            "account": account,
            "vendor": vendor,
            "connector": connector,
            "form": form,
            "test": test,
            "inbound": connector is not None and vendor.inbound,
            "inbound_url": shown_inbound_url(connector) if connector and vendor.inbound else None,
            "log": connectors.sync_log(connector) if connector else [],
        },
        status=400 if form.errors else 200,
    )
