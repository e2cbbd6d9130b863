"""Pages: the survey a customer answers, the unsubscribe page, and the signed-in home."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from touchpoint.accounts.access import access_unit, top_units
from touchpoint.accounts.models import Unit
from touchpoint.analysis.dashboard import themes_context
from touchpoint.contacts.actions import do_opt_out
from touchpoint.lib import nps
from touchpoint.lib.languages import accepted_languages
from touchpoint.reports import exports, figures, labels, league
from touchpoint.reports.chart import trend_svg
from touchpoint.reports.params import (
    ReportError,
    check_report_request,
    parse_report_params,
    segment_choices,
)
from touchpoint.responses.actions import (
    InvalidAnswer,
    answer_relations,
    do_answer_invitation,
    do_change_answer,
)
from touchpoint.responses.models import Response
from touchpoint.setup.audit import admin_accounts
from touchpoint.surveys.models import Channel, Invitation, Touchpoint
from touchpoint.surveys.questions import check_answers, questions_for
from touchpoint.surveys.tokens import access_invitation, access_open_invitation
from touchpoint.surveys.wording import defaults_for, direction, invitation_wording, language_for


def _texts(request: HttpRequest, invitation: Invitation | None) -> tuple[str, dict]:
    accept = accepted_languages(request.headers.get("Accept-Language", ""))
    if invitation is None:
        lang = language_for(*accept)
        return lang, defaults_for(lang)
    return invitation_wording(invitation, *accept)


def _closed(request: HttpRequest) -> HttpResponse:
    lang, texts = _texts(request, None)
    return render(
        request,
        "front/closed.html",
        {"lang": lang, "dir": direction(lang), "texts": texts},
        status=404,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    # One query: the invitation with what the page shows (and any answer already given), or,
    # for an answer, with all it is stored with (the unit's ancestors, the interaction...).
    related = answer_relations() if request.method == "POST" else ("response",)
    invitation = access_open_invitation(token, related=related)
    if invitation is None:
        return _closed(request)
    lang, texts = _texts(request, invitation)
    existing = getattr(invitation, "response", None) if invitation.state == "answered" else None
    selected = request.GET.get("score")
    comment = existing.comment if existing else ""
    error = ""
    status = 200
    if request.method == "POST":
        selected, comment = request.POST.get("score"), request.POST.get("comment", "")
        try:
            response, _changed = do_answer_invitation(
                invitation, score=selected, comment=comment, locale=lang
            )
        except InvalidAnswer as invalid:
            error = texts["choose"] if invalid.field == "score" else texts["comment_too_long"]
            status = 400
        else:
            if questions_for(invitation.touchpoint.questions, response.score, lang):
                return redirect("survey-more", token=token)
            return redirect("survey-thanks", token=token)
    elif selected is None and existing:
        selected = str(existing.score)
    context = {
        "lang": lang,
        "dir": direction(lang),
        "texts": texts,
        "invitation": invitation,
        "scores": [str(n) for n in range(11)],
        "selected": selected if selected in {str(n) for n in range(11)} else None,
        "comment": comment,
        "error": error,
        "answered": existing is not None,
    }
    return render(request, "front/survey.html", context, status=status)


@never_cache
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = access_open_invitation(token)
    if invitation is None:
        return _closed(request)
    lang, texts = _texts(request, invitation)
    return render(
        request,
        "front/thanks.html",
        {
            "lang": lang,
            "dir": direction(lang),
            "texts": texts,
            "invitation": invitation,
            "token": token,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_more(request: HttpRequest, token: str) -> HttpResponse:
    """The follow-up questions of the touchpoint that fit the score given: plain HTML form,
    validated on the server, so it works without JavaScript."""
    invitation = access_open_invitation(token)
    if invitation is None:
        return _closed(request)
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        return redirect("survey", token=token)
    lang, texts = _texts(request, invitation)
    shown = questions_for(invitation.touchpoint.questions, response.score, lang)
    if not shown:
        return redirect("survey-thanks", token=token)
    given: dict = dict(response.answers)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        given = {
            q["key"]: request.POST.getlist(q["key"])
            if q["type"] == "multiple_choice"
            else request.POST.get(q["key"], "")
            for q in shown
        }
        checked = check_answers(shown, given, lang)
        if not checked.errors:
            do_change_answer(response, answers=checked.answers, asked=[q["key"] for q in shown])
            return redirect("survey-thanks", token=token)
        errors, status = checked.errors, 400
    for q in shown:
        value = given.get(q["key"])
        q["value"] = value if isinstance(value, list) else ("" if value is None else str(value))
        q["error"] = errors.get(q["key"], "")
        q["selected"] = [str(v) for v in value] if isinstance(value, list) else [q["value"]]
    context = {
        "lang": lang,
        "dir": direction(lang),
        "texts": texts,
        "invitation": invitation,
        "questions": shown,
        "errors": errors,
    }
    return render(request, "front/survey_more.html", context, status=status)


@csrf_exempt  # the token is the credential; RFC 8058 one-click unsubscribe posts without a form
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    invitation = access_invitation(token)
    if invitation is None:
        return _closed(request)
    lang, texts = _texts(request, invitation)
    done = invitation.contact.opted_out_at is not None
    if request.method == "POST" and not done:
        do_opt_out(contact=invitation.contact)
        done = True
    return render(
        request,
        "front/unsubscribe.html",
        {
            "lang": lang,
            "dir": direction(lang),
            "texts": texts,
            "invitation": invitation,
            "done": done,
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    """Signed in with one top unit: that unit's dashboard. With several: a headline for each
    (for staff without memberships: each account's brand). Anonymous: the sign-in link."""
    if not request.user.is_authenticated:
        return render(request, "front/home.html", {"views": [], "dev_outbox": settings.DEV_OUTBOX})
    tops = top_units(request.user)
    if len(tops) == 1:
        return _dashboard(request, tops[0], tops)
    if not tops and request.user.is_staff:
        tops = list(Unit.objects.filter(depth=0).select_related("account").order_by("name")[:20])
    now = timezone.now()
    views = []
    for unit in tops:
        report_request = check_report_request(unit=unit, now=now)
        views.append((unit, figures.overview(report_request), report_request))
    return render(request, "front/home.html", {"views": views, "dev_outbox": settings.DEV_OUTBOX})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard of the signed-in person's (first) top unit, same filters."""
    tops = top_units(request.user)
    if not tops:
        return redirect("home")
    query = request.GET.urlencode()
    return redirect(f"{reverse('unit', args=[tops[0].pk])}{'?' if query else ''}{query}")


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's dashboard; 404 outside the viewer's part of the tree."""
    unit = access_unit(request.user, pk)
    return _dashboard(request, unit, top_units(request.user))


def _dashboard(request: HttpRequest, unit: Unit, tops: list[Unit]) -> HttpResponse:
    """Filters, headline with the change against the previous period, trend chart, split, by
    touchpoint and channel, leaderboard and comments. Bad filters: the page with the default
    filters and the error (400). Breadcrumbs climb as far as the viewer's own unit."""
    now = timezone.now()
    error = None
    try:
        report_request = parse_report_params(unit, request.GET, now=now, dates_win=True)
    except ReportError as invalid:
        error = invalid
        report_request = check_report_request(unit=unit, now=now)
    report = figures.report(report_request)
    breadcrumbs = [
        ancestor
        for ancestor in Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("depth")
        if any(ancestor.path.startswith(top.path) for top in tops)
    ]
    chart_title = _("NPS of {unit}: {trend}").format(unit=unit.name, trend=report.trend_title)
    standing = league.standing(report_request, report.headline)
    context = {
        "unit": unit,
        "title": f"{unit.name} · {unit.kind_word}",
        "report": report,
        "query": report_request.query_string(),
        "charts": [
            trend_svg(report.trend, title=chart_title),
            trend_svg(report.trend, title=chart_title, compact=True, id_prefix="trend-compact"),
        ],
        "filters": _filters(report_request),
        "error": error,
        "min_n": nps.MIN_N,
        "breadcrumbs": breadcrumbs,
        "standing": standing,
        "league_kinds": league.descendant_kinds(unit),
        "can_declare": any(a.pk == unit.account_id for a in admin_accounts(request.user)),
        "dev_outbox": settings.DEV_OUTBOX,
        **themes_context(report_request),
    }
    return render(request, "front/unit.html", context, status=400 if error else 200)


def _filters(report_request) -> dict:
    account_id = report_request.unit.account_id
    chosen = dict(report_request.segments)
    return {
        "presets": labels.presets(),
        "preset": report_request.preset or "custom",
        "start": report_request.start.isoformat(),
        "end": report_request.end.isoformat(),
        "touchpoints": Touchpoint.objects.filter(account_id=account_id).order_by("name"),
        "touchpoint": report_request.touchpoint.slug if report_request.touchpoint else "",
        "channels": Channel.choices,
        "channel": report_request.channel,
        "segments": [
            (name, label, values, chosen.get(name, ()))
            for name, label, values in segment_choices(account_id)
        ],
        "segments_on": bool(chosen),
        "zone": report_request.unit.account.time_zone,
    }


@login_required
def unit_export(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    """The dashboard's figures as CSV or XLSX, for the same unit, scope and filters."""
    if extension not in ("csv", "xlsx"):
        raise Http404("No such export format.")
    unit = access_unit(request.user, pk)
    try:
        report_request = parse_report_params(unit, request.GET, now=timezone.now(), dates_win=True)
    except ReportError as invalid:
        return HttpResponse(f"{invalid.field}: {invalid.message}\n", status=400)
    report = figures.report(report_request, comments=0)
    name = exports.filename(report, extension)
    if extension == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(report), content_type="text/csv; charset=utf-8"
        )
    else:
        response = FileResponse(
            exports.xlsx_file(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
