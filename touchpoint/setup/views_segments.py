"""Setup page for reportable segments: declare a contact attribute or interaction property
a dimension (its figures then come from rollups of their own), follow its backfill, drop it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account
from touchpoint.reports.dimensions import CAP
from touchpoint.reports.models import Dimension
from touchpoint.setup import segments
from touchpoint.setup.audit import SetupError
from touchpoint.setup.views import page, setup_view


@setup_view
def segment_list(request: HttpRequest, account: Account) -> HttpResponse:
    errors: dict[str, str] = {}
    given = {"name": "", "cap": str(CAP)}
    if request.method == "POST":
        if request.POST.get("action") == "drop":
            dimension = Dimension.objects.filter(account=account, pk=request.POST.get("id")).first()
            if dimension is None:
                raise Http404("No such segment.")
            segments.do_drop_segment(account, by=request.user, dimension=dimension)
            messages.success(
                request,
                _(
                    "%(name)s is no longer reportable from rollups; filters on it read the raw "
                    "answers."
                )
                % {"name": dimension.name},
            )
            return redirect("setup-segments")
        given = {"name": request.POST.get("name", ""), "cap": request.POST.get("cap", "")}
        try:
            dimension, made = segments.do_declare_segment(
                account, by=request.user, name=given["name"], cap=given["cap"]
            )
        except SetupError as error:
            errors = error.errors
        else:
            if made:
                messages.success(
                    request,
                    _("%(name)s is declared: past answers are being counted.")
                    % {"name": dimension.name},
                )
            else:
                messages.info(
                    request, _("%(name)s was already declared.") % {"name": dimension.name}
                )
            return redirect("setup-segments")
    rows = segments.segment_rows(account)
    context = {
        "account": account,
        "rows": [(row, segments.state_text(row.dimension)) for row in rows],
        "candidates": segments.candidates(account),
        "errors": errors,
        "given": given,
        "cap": CAP,
        "backfilling": any(r.dimension.state == Dimension.State.BACKFILLING for r in rows),
    }
    return page(request, "setup/segments.html", context, status=400 if errors else 200)
