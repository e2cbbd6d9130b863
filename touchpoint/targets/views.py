"""The targets page: an account admin sets a target NPS for each kind of unit, and for single
units within their scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from touchpoint.accounts.access import scoped_units
from touchpoint.accounts.models import KIND_EACH, Membership, Unit
from touchpoint.lib.numbers import format_signed
from touchpoint.targets import actions

FIELDS = {
    "nps": gettext_lazy("Target NPS"),
    "unit": gettext_lazy("Unit"),
    "kind": gettext_lazy("Kind"),
}


def _admin_roots(user) -> list[Unit]:
    """The units this person is an account admin of (targets are set by admins)."""
    return [
        m.unit
        for m in Membership.objects.filter(user=user, role=Membership.Role.ADMIN).select_related(
            "unit__account"
        )
    ]


@login_required
@require_http_methods(["GET", "POST"])
def targets_page(request: HttpRequest) -> HttpResponse:
    roots = _admin_roots(request.user)
    if not roots:
        raise Http404("Targets are set by account admins.")
    root = min(roots, key=lambda u: u.depth)
    account = root.account
    whole_account = root.depth == 0
    if request.method == "POST":
        try:
            unit, kind = None, ""
            if request.POST.get("unit"):
                unit = scoped_units(request.user).filter(code=request.POST["unit"]).first()
                if unit is None:
                    raise actions.TargetError(
                        "unit",
                        gettext("{unit} is not a unit you manage").format(
                            unit=repr(request.POST["unit"])
                        ),
                    )
            else:
                if not whole_account:
                    raise actions.TargetError(
                        "kind", gettext("targets for a kind of unit are set at the brand")
                    )
                kind = actions.check_kind(request.POST.get("kind", ""))
            if request.POST.get("action") == "clear":
                actions.do_clear_target(account=account, unit=unit, kind=kind)
                messages.success(request, gettext("Target removed."))
            else:
                target = actions.do_set_target(
                    account=account,
                    unit=unit,
                    kind=kind,
                    nps=request.POST.get("nps", ""),
                    actor=request.user,
                )
                messages.success(
                    request,
                    gettext("Target set: {nps} for {scope}.").format(
                        nps=format_signed(target.nps), scope=target.scope_label
                    ),
                )
        except actions.TargetError as error:
            messages.error(request, f"{FIELDS.get(error.field, error.field)}: {error.message}")
            return redirect("targets")
        return redirect("targets")
    targets = actions.account_targets(account.pk)
    by_kind = {t.kind: t for t in targets if not t.unit_id}
    kinds_present = set(
        Unit.objects.filter(account=account).values_list("kind", flat=True).distinct()
    )
    return render(
        request,
        "targets/targets.html",
        {
            "account": account,
            "whole_account": whole_account,
            "kinds": [
                (value, label, KIND_EACH[value], by_kind.get(value))
                for value, label in Unit.Kind.choices
                if value in kinds_present
            ],
            "unit_targets": [t for t in targets if t.unit_id],
            "units": scoped_units(request.user).order_by("path")[:2000],
        },
    )
