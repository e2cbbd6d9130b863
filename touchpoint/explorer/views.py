"""The response explorer's pages: the list, one response's page (with its ticket, if any),
and exports of the current selection. The filters and exports themselves are
`responses.explorer` and `responses.exports`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from touchpoint.accounts.access import identity_paths, scoped_units, sees_identity, top_units
from touchpoint.accounts.models import Unit
from touchpoint.explorer import summaries
from touchpoint.reports.labels import presets
from touchpoint.responses import explorer, exports
from touchpoint.surveys.models import Channel
from touchpoint.surveys.questions import labelled_answers
from touchpoint.tickets.models import Ticket

KIND_LABELS = dict(Unit.Kind.choices)


def _local_time(request: HttpRequest, account=None):
    """Times shown in the account's time zone (the first one the person belongs to), for
    the rendering of this page only."""
    if account is None:
        tops = top_units(request.user)
        account = tops[0].account if tops else None
    return timezone.override(account.time_zone if account else None)


def _filters(request: HttpRequest):
    try:
        return explorer.check_filters(request.user, request.GET), None
    except explorer.FilterError as error:
        return explorer.Filters(errors={error.field: str(error)}), error


@login_required
def response_list(request: HttpRequest) -> HttpResponse:
    filters, error = _filters(request)
    context = {
        "filters": filters,
        "error": error,
        "units": scoped_units(request.user).order_by("path")[:2000],
        "touchpoints": explorer.touchpoints_for(request.user),
        "channels": Channel.choices,
        "periods": [*presets(), ("all", _("All time"))],
        "scores": range(11),
        "dev_outbox": settings.DEV_OUTBOX,
        "has_scope": bool(top_units(request.user)),
        "extra_filters": explorer.extra_filter_fields(request.user, filters),
    }
    status = 200
    if error is None:
        now = timezone.now()
        qs = explorer.filtered(request.user, filters, now=now)
        try:
            context["page"] = explorer.page(qs, request.GET.get("after", ""))
        except explorer.FilterError as failure:
            context["error"], status = failure, 400
        else:
            explorer.decorate(context["page"].rows, filters)
            context["summary"] = summaries.summary(request.user, filters, qs, now=now)
            context["export_query"] = filters.querystring()
    else:
        status = 400
    with _local_time(request, filters.unit.account if filters.unit else None):
        return render(request, "responses/list.html", context, status=status)


@login_required
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = explorer.access_response(request.user, pk)
    interaction = response.interaction
    context = {
        "r": response,
        "interaction": interaction,
        "contact": response.contact,
        "show_contact": sees_identity(identity_paths(request.user), response.unit_path),
        "attribution": [
            (KIND_LABELS.get(kind, kind), unit)
            for kind, unit in sorted(
                (response.attribution or {}).items(),
                key=lambda kv: (
                    exports.ATTRIBUTION_KINDS.index(kv[0])
                    if kv[0] in exports.ATTRIBUTION_KINDS
                    else 99
                ),
            )
        ],
        "follow_ups": labelled_answers(response.touchpoint.questions, response.answers or {}),
        "invitations": explorer.invitation_history(request.user, response),
        "back": request.GET.get("back", ""),
        "dev_outbox": settings.DEV_OUTBOX,
        "ticket": Ticket.objects.filter(response=response).select_related("holder").first(),
    }
    with _local_time(request, response.account):
        return render(request, "responses/detail.html", context)


def _export_qs(request: HttpRequest):
    filters = explorer.check_filters(request.user, request.GET)
    return explorer.filtered(request.user, filters, now=timezone.now())


def _bad_filter(error: explorer.FilterError) -> HttpResponse:
    return HttpResponse(f"{error.field}: {error}\n", status=400, content_type="text/plain")


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    try:
        qs = _export_qs(request)
    except explorer.FilterError as error:
        return _bad_filter(error)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        exports.csv_chunks(qs, identity=identity_paths(request.user)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="responses-{stamp}.csv"'
    return response


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        qs = _export_qs(request)
    except explorer.FilterError as error:
        return _bad_filter(error)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    handle = exports.xlsx_file(qs, identity=identity_paths(request.user))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"responses-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
