"""Pages: the survey a customer answers, the unsubscribe page, and the signed-in home."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from touchpoint.accounts.access import access_unit, top_units
from touchpoint.accounts.models import Account, Unit
from touchpoint.contacts.actions import do_opt_out
from touchpoint.responses.actions import InvalidAnswer, do_record_answers, do_record_response
from touchpoint.responses.models import Response
from touchpoint.responses.summary import monthly_trend, overview
from touchpoint.surveys.actions import access_open_invitation
from touchpoint.surveys.models import Invitation
from touchpoint.surveys.questions import check_answers, questions_for
from touchpoint.surveys.wording import defaults_for, direction, language_for, wording_for


def _texts(request: HttpRequest, invitation: Invitation | None) -> tuple[str, dict]:
    accept = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
    if invitation is None:
        lang = language_for(accept)
        return lang, defaults_for(lang)
    lang = language_for(invitation.contact.locale, accept, invitation.account.default_locale)
    texts = wording_for(
        invitation.touchpoint, lang, brand=invitation.account.name, unit=invitation.unit.name
    )
    return lang, texts


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
    invitation = access_open_invitation(token)
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
            response, _ = do_record_response(
                invitation=invitation, score=selected, comment=comment, locale=lang
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
        {"lang": lang, "dir": direction(lang), "texts": texts, "invitation": invitation},
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
            do_record_answers(
                response=response, answers=checked.answers, asked=[q["key"] for q in shown]
            )
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
    invitation = (
        Invitation.objects.select_related("account", "contact", "touchpoint", "unit")
        .filter(token=token)
        .first()
        if token and len(token) <= 64
        else None
    )
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
    """A first look: the NPS of the last 90 days for each unit the signed-in person holds
    (for staff: each account). Anonymous visitors get the sign-in link."""
    now = timezone.now()
    views = [
        (
            f"{unit.name} · {unit.get_kind_display().lower()}",
            overview(unit.account, unit=unit, now=now),
            unit,
        )
        for unit in top_units(request.user)
    ]
    if request.user.is_authenticated and request.user.is_staff and not views:
        views = [
            (a.name, overview(a, now=now), None) for a in Account.objects.order_by("name")[:20]
        ]
    return render(request, "front/home.html", {"views": views, "dev_outbox": settings.DEV_OUTBOX})


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its figures, its units below, month by month; 404 outside the viewer's part
    of the tree. Breadcrumbs climb as far as the viewer's own unit, not above it."""
    unit = access_unit(request.user, pk)
    tops = top_units(request.user)
    breadcrumbs = [
        ancestor
        for ancestor in Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("depth")
        if any(ancestor.path.startswith(top.path) for top in tops)
    ]
    now = timezone.now()
    context = {
        "unit": unit,
        "title": f"{unit.name} · {unit.get_kind_display().lower()}",
        "view": overview(unit.account, unit=unit, now=now),
        "trend": monthly_trend(unit, now=now),
        "breadcrumbs": breadcrumbs,
        "dev_outbox": settings.DEV_OUTBOX,
    }
    return render(request, "front/unit.html", context)
