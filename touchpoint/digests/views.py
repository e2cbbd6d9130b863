"""The digest's settings page and a preview of this week's digest in the browser."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.digests import actions
from touchpoint.digests.models import DigestOptOut


@login_required
def digest_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        enabled = request.POST.get("enabled") == "1"
        actions.do_set_digest(user=request.user, enabled=enabled)
        messages.success(
            request, _("The weekly digest is on.") if enabled else _("The weekly digest is off.")
        )
        return redirect("digest-settings")
    units = actions.digest_units(request.user)
    zone = unit_time_zone(units[0]) if units else "UTC"
    sent = list(request.user.digests.filter(state="sent").order_by("-week")[:5])
    for digest in sent:  # the week a digest reports on ends the day before its Monday
        digest.covered = (digest.week - dt.timedelta(days=7), digest.week - dt.timedelta(days=1))
    context = {
        "enabled": not DigestOptOut.objects.filter(user=request.user).exists(),
        "units": units,
        "send_time": actions.SEND_TIME,
        "zone": zone,
        "sent": sent,
        "dev_outbox": settings.DEV_OUTBOX,
    }
    with timezone.override(zone):
        return render(request, "digests/settings.html", context)


@login_required
def digest_preview(request: HttpRequest) -> HttpResponse:
    """This week's digest as the email would show it (built now, not sent)."""
    week = actions.local_week(request.user, timezone.now())
    if week is None:
        return render(request, "digests/settings.html", {"units": [], "enabled": False}, status=404)
    units = actions.digest_units(request.user)
    _, html = actions.render_digest(actions.build_digest(request.user, week[0], units))
    return HttpResponse(html)
