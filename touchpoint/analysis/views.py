"""Pages: what customers talk about (a unit's themes and key drivers, its CSV export) and
the account admins' themes page (edit, retire, re-tagging progress, suggested themes)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from touchpoint.accounts.access import access_unit
from touchpoint.accounts.models import Account, Membership
from touchpoint.analysis import actions, drivers, queries, suggestions
from touchpoint.analysis.models import SuggestedTheme, Theme, reading_language
from touchpoint.analysis.sweep import retag_progress
from touchpoint.lib.text.stems import LANGUAGES
from touchpoint.reports.params import ReportError, check_report_request, parse_report_params


def access_theme_account(user) -> Account:
    """The account whose themes this person may edit: an admin of its top unit. Else 404."""
    if not user.is_authenticated:
        raise Http404("No such page.")
    membership = (
        Membership.objects.filter(user=user, role=Membership.Role.ADMIN, unit__depth=0)
        .select_related("unit__account")
        .first()
    )
    if membership is None:
        raise Http404("No such page.")
    return membership.unit.account


def _request(request: HttpRequest, unit):
    try:
        return parse_report_params(unit, request.GET, now=timezone.now(), dates_win=True), None
    except ReportError as error:
        return check_report_request(unit=unit, now=timezone.now()), error


@login_required
def unit_themes(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    report_request, error = _request(request, unit)
    language = reading_language()
    report = queries.theme_report(report_request, language=language)
    found = drivers.driver_report(report_request, language=language)
    context = {
        "unit": unit,
        "report": report,
        "drivers": found,
        "causes": queries.root_causes(report_request),
        "query": report_request.query_string(),
        "error": error,
        "can_edit": _can_edit(request.user, unit.account_id),
    }
    return render(request, "analysis/unit.html", context, status=400 if error else 200)


def _can_edit(user, account_id: int) -> bool:
    return Membership.objects.filter(
        user=user, role=Membership.Role.ADMIN, unit__depth=0, unit__account_id=account_id
    ).exists()


@login_required
def unit_themes_csv(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk)
    report_request, error = _request(request, unit)
    if error:
        return HttpResponse(f"{error.field}: {error.message}\n", status=400)
    report = queries.theme_report(report_request, examples=0, limit=100)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "theme",
            "name",
            "mentions",
            "share_of_comments_pct",
            "nps_mentioning",
            "margin_of_error",
            "impact_points",
            "impact_low",
            "impact_high",
            "few_mentions",
            "negative_mentions",
            "positive_mentions",
            "from",
            "to",
        ]
    )
    for row in report.rows:
        d = row.as_dict()
        writer.writerow(
            [
                d["key"],
                _safe(d["name"]),
                d["mentions"],
                d["share_of_comments"],
                d["nps"],
                d["margin_of_error"],
                d["impact"],
                d["impact_low"],
                d["impact_high"],
                d["few_mentions"],
                d["negative"],
                d["positive"],
                report_request.start.isoformat(),
                report_request.end.isoformat(),
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="themes-{unit.code}.csv"'
    return response


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
def themes(request: HttpRequest) -> HttpResponse:
    account = access_theme_account(request.user)
    context = {
        "account": account,
        "themes": Theme.objects.filter(account=account).order_by("-is_active", "key"),
        "job": retag_progress(account.pk),
        "suggestions": SuggestedTheme.objects.filter(account=account, adopted__isnull=True),
        "languages": LANGUAGES,
    }
    return render(request, "analysis/themes.html", context)


@login_required
def theme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    account = access_theme_account(request.user)
    theme = None
    if pk is not None:
        theme = Theme.objects.filter(account=account, pk=pk).first()
        if theme is None:
            raise Http404("No such theme.")
    form = {
        "key": theme.key if theme else "",
        "names": dict(theme.names) if theme else {},
        "examples": "\n".join(theme.examples) if theme else "",
    }
    error = None
    status = 200
    if request.method == "POST":
        form = {
            "key": request.POST.get("key", ""),
            "names": {lang: request.POST.get(f"name_{lang}", "") for lang in LANGUAGES},
            "examples": request.POST.get("examples", ""),
        }
        try:
            data = actions.check_theme(
                account=account,
                key=form["key"],
                names=form["names"],
                examples=form["examples"],
                theme=theme,
            )
        except actions.ThemeError as invalid:
            error, status = invalid, 400
        else:
            saved = actions.do_save_theme(
                account=account, data=data, theme=theme, user=request.user
            )
            messages.success(
                request,
                _("Theme “%(name)s” saved: history is being re-tagged in the background.")
                % {"name": saved.local_name},
            )
            return redirect("analysis-themes")
    names = [(lang, form["names"].get(lang, "")) for lang in LANGUAGES]
    return render(
        request,
        "analysis/theme_form.html",
        {"theme": theme, "form": form, "names": names, "error": error},
        status=status,
    )


@login_required
@require_POST
def theme_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_theme_account(request.user)
    theme = Theme.objects.filter(account=account, pk=pk).first()
    if theme is None:
        raise Http404("No such theme.")
    actions.do_set_theme_active(
        theme=theme, active=request.POST.get("active") == "1", user=request.user
    )
    return redirect("analysis-themes")


@login_required
@require_POST
def suggest(request: HttpRequest) -> HttpResponse:
    account = access_theme_account(request.user)
    made = suggestions.do_suggest_themes(account)
    messages.success(
        request,
        ngettext("%(n)d suggested theme.", "%(n)d suggested themes.", len(made)) % {"n": len(made)},
    )
    return redirect("analysis-themes")


@login_required
@require_POST
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    account = access_theme_account(request.user)
    suggestion = SuggestedTheme.objects.filter(account=account, pk=pk).first()
    if suggestion is None:
        raise Http404("No such suggestion.")
    try:
        theme = actions.do_adopt_suggestion(
            suggestion=suggestion,
            key=request.POST.get("key", ""),
            name=request.POST.get("name", ""),
            user=request.user,
        )
    except actions.ThemeError as invalid:
        messages.error(request, f"{invalid.field}: {invalid.message}")
    else:
        messages.success(
            request,
            _("“%(name)s” is now a theme: history is being re-tagged.")
            % {"name": theme.local_name},
        )
    return redirect("analysis-themes")
