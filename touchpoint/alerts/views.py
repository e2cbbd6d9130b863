"""Alert pages: the alerts of one's units, one alert with its evidence, muting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from touchpoint.alerts import actions, themes
from touchpoint.alerts.conditions import TITLES
from touchpoint.alerts.rules import THEME_SPIKE


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = actions.scoped_alerts(request.user)
    state = request.GET.get("state", "open")
    if state in ("open", "cleared"):
        alerts = alerts.filter(state=state)
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "alerts/list.html",
        {"page": page, "state": state, "mutes": actions.mutes_of(request.user)},
    )


@login_required
@require_http_methods(["GET"])
def alert_page(request: HttpRequest, pk: int) -> HttpResponse:
    alert = actions.access_alert(request.user, pk)
    mutes = actions.mutes_of(request.user)
    evidence = alert.evidence or {}
    spike = alert.kind == THEME_SPIKE and bool(evidence.get("theme"))
    return render(
        request,
        "alerts/alert.html",
        {
            "alert": alert,
            "now": None if spike else evidence.get("now"),
            "comparisons": []
            if spike
            else [evidence[k] for k in ("before", "baseline") if evidence.get(k)],
            "evidence": evidence,
            "links": actions.evidence_links(alert, absolute=False),
            "spike": evidence if spike else None,
            "spike_rows": themes.evidence_rows(evidence) if spike else [],
            "chance": themes.odds(evidence.get("p_value")) if spike else "",
            "needed": themes.odds(evidence.get("level")) if spike else "",
            "muted_kind": (alert.unit_id, alert.kind) in mutes,
            "muted_all": (alert.unit_id, "") in mutes,
            "kind_title": str(TITLES.get(alert.kind, alert.kind)),
        },
    )


@login_required
@require_POST
def alert_mute(request: HttpRequest, pk: int) -> HttpResponse:
    """Mute (or unmute) this kind of alert, or every alert, at the alert's unit."""
    alert = actions.access_alert(request.user, pk)
    kind = alert.kind if request.POST.get("what") == "kind" else ""
    if request.POST.get("action") == "unmute":
        actions.do_unmute(user=request.user, unit=alert.unit, kind=kind)
        messages.success(request, gettext("Alerts are on again."))
    else:
        actions.do_mute(user=request.user, unit=alert.unit, kind=kind)
        muted = (
            gettext("Muted: no more alerts like this at {unit}.")
            if kind
            else gettext("Muted: no more alerts at {unit}.")
        )
        messages.success(request, muted.format(unit=alert.unit.name))
    return redirect("alert", pk=alert.pk)
