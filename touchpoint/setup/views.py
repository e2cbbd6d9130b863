"""Setup pages for account admins: the overview, touchpoints (rule, wording with a live
preview, follow-up questions, ticket rule, a test survey), root causes and the audit trail.
Each view parses, calls a setup action and renders; a refused change shows its messages on
the fields at fault and saves nothing."""

from __future__ import annotations

import datetime as dt
import functools
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from touchpoint.accounts.actions import unit_time_zone
from touchpoint.accounts.models import Account, ApiKey, Unit
from touchpoint.kiosks.models import Kiosk
from touchpoint.notifications.models import Endpoint
from touchpoint.outbox.models import SmsSettings
from touchpoint.reports.models import Dimension
from touchpoint.setup import forms, preview, rules
from touchpoint.setup.audit import SetupError, access_setup_account, admin_accounts
from touchpoint.setup.models import SetupChange
from touchpoint.surveys import reminders
from touchpoint.surveys.models import Touchpoint
from touchpoint.surveys.tokens import survey_token
from touchpoint.surveys.wording import SUPPORTED
from touchpoint.tickets.models import RootCause
from touchpoint.widget.models import PublishableKey

NEW_TOUCHPOINT = {
    "channel": "email",
    "delay_amount": 0,
    "delay_unit": "hours",
    "expiry_days": 30,
    "sampling_percent": 100,
    "reminder_count": 0,
    "reminder_after_days": 3,
    "kind": "other",
}


def setup_view(view):
    """Signed in, and an admin of the account being set up (else 404)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        slug = request.GET.get("account") or request.session.get("setup_account", "")
        try:
            account = access_setup_account(request.user, slug)
        except Http404:
            account = access_setup_account(request.user)
        request.session["setup_account"] = account.slug
        return view(request, account, *args, **kwargs)

    return wrapped


def access_touchpoint(account: Account, slug: str) -> Touchpoint:
    touchpoint = Touchpoint.objects.filter(account=account, slug=slug).first()
    if touchpoint is None:
        raise Http404("No such touchpoint.")
    touchpoint.account = account
    return touchpoint


def root_unit(account: Account) -> Unit:
    return Unit.objects.filter(account=account, depth=0).order_by("pk").first()


def page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("accounts", admin_accounts(request.user))
    return render(request, template, context, status=status)


# --- overview and audit -------------------------------------------------------------------


@setup_view
def overview(request: HttpRequest, account: Account) -> HttpResponse:
    states = {
        "active": Count("pk", filter=Q(is_active=True)),
        "inactive": Count("pk", filter=Q(is_active=False)),
    }
    live = {"account": account, "revoked_at__isnull": True}
    context = {
        "account": account,
        "touchpoints": Touchpoint.objects.filter(account=account).aggregate(**states),
        "units": Unit.objects.filter(account=account).aggregate(**states),
        "kiosks": Kiosk.objects.filter(**live).count(),
        "widget_keys": PublishableKey.objects.filter(**live).count(),
        "api_keys": ApiKey.objects.filter(**live).count(),
        "webhooks": Endpoint.objects.filter(account=account, is_active=True).count(),
        "root_causes": RootCause.objects.filter(account=account, is_active=True).count(),
        "segments": Dimension.objects.filter(account=account).count(),
        "sms": SmsSettings.objects.filter(account=account).first(),
        "recent": SetupChange.objects.filter(account=account)[:8],
    }
    return page(request, "setup/overview.html", context)


@setup_view
def audit(request: HttpRequest, account: Account) -> HttpResponse:
    changes = SetupChange.objects.filter(account=account).select_related("user")
    subject = request.GET.get("subject", "")
    if subject in SetupChange.Subject.values:
        changes = changes.filter(subject=subject)
    q = request.GET.get("q", "").strip()
    if q:
        changes = changes.filter(
            Q(subject_key__icontains=q) | Q(subject_label__icontains=q) | Q(actor__icontains=q)
        )
    paged = Paginator(changes, 50).get_page(request.GET.get("page"))
    for change in paged:
        change.rows = _diff_rows(change)
        change.details = (change.after or {}).get("changes", [])[:200]
    return page(
        request,
        "setup/audit.html",
        {
            "account": account,
            "page": paged,
            "subject": subject,
            "q": q,
            "query": urlencode({"subject": subject, "q": q}) + "&",
            "subjects": SetupChange.Subject.choices,
        },
    )


def _diff_rows(change: SetupChange) -> list[tuple[str, str, str]]:
    """(field, before, after) for display; a sync shows its counts."""
    after = change.after or {}
    if change.action == "synced":
        counts = after.get("counts", {})
        return [(kind.replace("_", " "), "", str(n)) for kind, n in counts.items()]
    keys = list(dict.fromkeys([*(change.before or {}), *after]))
    return [(k, _short(change.before.get(k)), _short(after.get(k))) for k in keys]


def _short(value) -> str:
    if value is None or value == "":
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:299] + "…"


# --- touchpoints ----------------------------------------------------------------------------


@setup_view
def touchpoints(request: HttpRequest, account: Account) -> HttpResponse:
    rows = Touchpoint.objects.filter(account=account).order_by("-is_active", "name")
    return page(request, "setup/touchpoints.html", {"account": account, "touchpoints": rows})


def _check_rest(account: Account, touchpoint: Touchpoint | None, form) -> None:
    """On a form with errors, the rule's own checks too, so every field at fault is marked
    at once (nothing is saved)."""
    _draft, errors = rules.check_values(account, touchpoint, form.values())
    if errors:
        form.show(SetupError(errors))


@setup_view
def touchpoint_new(request: HttpRequest, account: Account) -> HttpResponse:
    form = forms.TouchpointForm(request.POST or None, initial=NEW_TOUCHPOINT)
    if request.method == "POST" and not form.is_valid():
        _check_rest(account, None, form)
    if request.method == "POST" and form.is_valid():
        try:
            touchpoint = rules.do_save_touchpoint(
                account=account,
                by=request.user,
                touchpoint=None,
                values={**form.values(), "is_active": False},
            )
        except SetupError as error:
            form.show(error)
        else:
            messages.success(
                request,
                _("%(name)s is created, paused: write its words, then activate it.")
                % {"name": touchpoint.name},
            )
            return redirect("setup-wording", slug=touchpoint.slug)
    return page(
        request,
        "setup/touchpoint_rule.html",
        {"account": account, "form": form, "touchpoint": None, "tab": "rule"},
        status=400 if form.errors else 200,
    )


@setup_view
def touchpoint_rule(request: HttpRequest, account: Account, slug: str) -> HttpResponse:
    touchpoint = access_touchpoint(account, slug)
    form = forms.TouchpointForm(
        request.POST or None, initial=forms.TouchpointForm.initial_for(touchpoint)
    )
    if request.method == "POST" and not form.is_valid():
        _check_rest(account, touchpoint, form)
    if request.method == "POST" and form.is_valid():
        try:
            touchpoint = rules.do_save_touchpoint(
                account=account, by=request.user, touchpoint=touchpoint, values=form.values()
            )
        except SetupError as error:
            form.show(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("setup-touchpoint", slug=touchpoint.slug)
    zone = unit_time_zone(root_unit(account))
    return page(
        request,
        "setup/touchpoint_rule.html",
        {
            "account": account,
            "form": form,
            "touchpoint": touchpoint,
            "tab": "rule",
            "examples": preview.example_schedule(touchpoint, zone),
            "zone": zone,
            "answer_rate": reminders.answer_rates(
                [touchpoint], since=timezone.now() - dt.timedelta(days=90)
            ).get(touchpoint.pk),
        },
        status=400 if form.errors else 200,
    )


@setup_view
@require_POST
def touchpoint_state(request: HttpRequest, account: Account, slug: str) -> HttpResponse:
    touchpoint = access_touchpoint(account, slug)
    active = request.POST.get("active") == "1"
    rules.do_set_active(by=request.user, touchpoint=touchpoint, active=active)
    messages.success(
        request,
        (
            _("%(name)s is active: new interactions get surveys.")
            if active
            else _("%(name)s is paused: new interactions get no survey.")
        )
        % {"name": touchpoint.name},
    )
    return redirect(request.POST.get("next") or reverse("setup-touchpoint", args=[slug]))


def _lang(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or request.POST.get("lang") or "en"
    return lang if lang in SUPPORTED else "en"


@setup_view
def touchpoint_wording(request: HttpRequest, account: Account, slug: str) -> HttpResponse:
    touchpoint = access_touchpoint(account, slug)
    lang = _lang(request)
    form = forms.WordingForm(
        request.POST or None,
        initial=touchpoint.wording.get(lang, {}),
        lang=lang,
        kind=touchpoint.kind,
    )
    if request.method == "POST" and form.is_valid():
        wording = {**touchpoint.wording, lang: form.texts()}
        try:
            rules.do_save_touchpoint(
                account=account, by=request.user, touchpoint=touchpoint, values={"wording": wording}
            )
        except SetupError as error:
            form.show(error)
        else:
            messages.success(request, _("Saved the %(lang)s wording.") % {"lang": lang})
            return redirect(f"{reverse('setup-wording', args=[slug])}?lang={lang}")
    shown = (
        None
        if form.errors
        else preview.preview(
            touchpoint, unit=root_unit(account), lang=lang, name=request.user.first_name or "Alex"
        )
    )
    return page(
        request,
        "setup/touchpoint_wording.html",
        {
            "account": account,
            "touchpoint": touchpoint,
            "tab": "wording",
            "form": form,
            "lang": lang,
            "languages": forms.LANGUAGES,
            "own": {code for code, texts in touchpoint.wording.items() if texts},
            "preview": shown,
        },
        status=400 if form.errors else 200,
    )


@setup_view
@require_POST
def touchpoint_preview(request: HttpRequest, account: Account, slug: str) -> JsonResponse:
    """The preview of the wording being typed (nothing saved)."""
    touchpoint = access_touchpoint(account, slug)
    lang = _lang(request)
    form = forms.WordingForm(request.POST, lang=lang, kind=touchpoint.kind)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    draft = Touchpoint.objects.get(pk=touchpoint.pk)
    draft.account = account
    draft.wording = rules.clean_wording({**touchpoint.wording, lang: form.texts()})
    errors = rules.check_wording(draft.wording)
    if errors:
        return JsonResponse(
            {"errors": {k.rsplit(".", 1)[-1]: [v] for k, v in errors.items()}}, status=400
        )
    shown = preview.preview(
        draft,
        unit=root_unit(account),
        lang=lang,
        name=request.user.first_name or "Alex",
        category=request.POST.get("category", ""),
    )
    return JsonResponse(shown.as_dict())


@setup_view
def touchpoint_tickets(request: HttpRequest, account: Account, slug: str) -> HttpResponse:
    touchpoint = access_touchpoint(account, slug)
    rule = rules.ticket_rule_of(touchpoint)
    form = forms.TicketRuleForm(request.POST or None, initial=rules.ticket_rule_data(rule))
    if request.method == "POST" and form.is_valid():
        try:
            rules.do_save_ticket_rule(
                by=request.user, touchpoint=touchpoint, values=form.cleaned_data
            )
        except SetupError as error:
            form.show(error)
        else:
            messages.success(request, _("Saved the ticket rule."))
            return redirect("setup-tickets", slug=slug)
    return page(
        request,
        "setup/touchpoint_tickets.html",
        {"account": account, "touchpoint": touchpoint, "tab": "tickets", "form": form},
        status=400 if form.errors else 200,
    )


@setup_view
def touchpoint_test(request: HttpRequest, account: Account, slug: str) -> HttpResponse:
    touchpoint = access_touchpoint(account, slug)
    data = request.POST if request.method == "POST" else {}
    values = {
        "email": data.get("email", request.user.email),
        "phone": data.get("phone", ""),
        "locale": data.get("locale", account.default_locale),
        "unit": data.get("unit", root_unit(account).code),
    }
    errors: dict[str, str] = {}
    result = None
    if request.method == "POST":
        unit = Unit.objects.filter(account=account, code=values["unit"]).first()
        try:
            if unit is None:
                raise SetupError(_("no unit with this code"), "unit")
            result = preview.do_send_test_survey(
                by=request.user,
                touchpoint=touchpoint,
                unit=unit,
                email=values["email"],
                phone=values["phone"],
                locale=values["locale"] if values["locale"] in SUPPORTED else "",
            )
        except SetupError as error:
            errors = error.errors
    return page(
        request,
        "setup/touchpoint_test.html",
        {
            "account": account,
            "touchpoint": touchpoint,
            "tab": "test",
            "values": values,
            "errors": errors,
            "result": result,
            "languages": forms.LANGUAGES,
            "survey_url": reverse("survey", args=[survey_token(result.invitation)])
            if result
            and result.invitation.token_hash
            and touchpoint.channel not in ("email", "sms")
            else "",
        },
        status=400 if errors else 200,
    )


# --- root causes ----------------------------------------------------------------------------


@setup_view
def root_causes(request: HttpRequest, account: Account) -> HttpResponse:
    form = forms.RootCauseForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                if form.is_valid():
                    rules.do_save_root_cause(
                        account=account, by=request.user, cause=None, **form.cleaned_data
                    )
                    messages.success(request, _("Added."))
                    return redirect("setup-root-causes")
            else:
                cause = RootCause.objects.filter(account=account, pk=request.POST.get("id")).first()
                if cause is None:
                    raise Http404("No such root cause.")
                rules.do_save_root_cause(
                    account=account,
                    by=request.user,
                    cause=cause,
                    code=cause.code,
                    name=request.POST.get("name", cause.name),
                    is_active=request.POST.get("is_active") == "on",
                )
                messages.success(request, _("Saved %(name)s.") % {"name": cause.name})
                return redirect("setup-root-causes")
        except SetupError as error:
            if action == "add":
                form.show(error)
            else:
                messages.error(request, str(error))
                return redirect("setup-root-causes")
    causes = RootCause.objects.filter(account=account).annotate(used=Count("ticket"))
    return page(
        request,
        "setup/root_causes.html",
        {"account": account, "causes": causes, "form": form},
        status=400 if form.errors else 200,
    )
