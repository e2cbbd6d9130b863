"""League table pages: every unit of a kind below a unit, ranked fairly, filterable by
period, touchpoint, channel and attribute, exportable; and, for a unit with nothing below
it (a store manager's store, a frontline agent), its own row and its rank among its peers,
never the others' names or customers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from touchpoint.accounts.access import access_unit, top_units
from touchpoint.accounts.models import Unit
from touchpoint.front.views import _filters
from touchpoint.lib import nps
from touchpoint.reports import exports, figures, league
from touchpoint.reports.params import ReportError, check_report_request, parse_report_params


@login_required
def league_home(request: HttpRequest) -> HttpResponse:
    """The league table of the signed-in person's (first) top unit."""
    tops = top_units(request.user)
    if not tops:
        return redirect("home")
    query = request.GET.urlencode()
    return redirect(f"{reverse('unit-league', args=[tops[0].pk])}{'?' if query else ''}{query}")


def _request_and_kind(request: HttpRequest, unit: Unit):
    """The report request and the kind asked for; bad filters raise ReportError."""
    report_request = parse_report_params(
        unit, request.GET, now=timezone.now(), extra=("kind",), dates_win=True
    )
    kind = request.GET.get("kind") or None
    if kind is not None and kind not in Unit.Kind.values:
        raise ReportError("kind", f"must be one of {', '.join(Unit.Kind.values)}")
    return report_request, kind


@login_required
def unit_league(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    error = None
    try:
        report_request, kind = _request_and_kind(request, unit)
    except ReportError as invalid:
        error = invalid
        report_request, kind = check_report_request(unit=unit, now=timezone.now()), None
    table = league.league(report_request, kind)
    own = figures.overview(report_request)
    context = {
        "unit": unit,
        "table": table if table.kinds else None,
        "standing": league.standing(report_request, own.current),
        "own": own,
        "query": report_request.query_string(),
        "kind_query": report_request.query_string(kind=table.kind if table.kinds else None),
        "filters": _filters(report_request),
        "error": error,
        "min_n": nps.MIN_N,
    }
    return render(request, "front/league.html", context, status=400 if error else 200)


@login_required
def league_export(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    """The league table as CSV or XLSX, same unit, scope and filters as the page."""
    if extension not in ("csv", "xlsx"):
        raise Http404("No such export format.")
    unit = access_unit(request.user, pk)
    try:
        report_request, kind = _request_and_kind(request, unit)
    except ReportError as invalid:
        return HttpResponse(f"{invalid.field}: {invalid.message}\n", status=400)
    table = league.league(report_request, kind)
    name = exports.league_filename(table, extension)
    if extension == "csv":
        response = StreamingHttpResponse(
            exports.league_csv_lines(table), content_type="text/csv; charset=utf-8"
        )
    else:
        response = FileResponse(
            exports.league_xlsx_file(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
