"""The suppression list on Setup (search, export, add, lift with a reason) and the hook that
bounce and complaint reports are posted to."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from touchpoint.accounts.models import Account
from touchpoint.contacts import suppressions
from touchpoint.contacts.feedback import FeedbackError, read_reports
from touchpoint.contacts.models import FeedbackKey, Suppression
from touchpoint.responses.exports import safe
from touchpoint.setup import deliverability, forms
from touchpoint.setup.audit import SetupError
from touchpoint.setup.views import page, setup_view

# A report body larger than this is refused (ARF reports carry the message: keep it sane).
MAX_BODY = 2 * 1024 * 1024


def _listed(account: Account, params) -> tuple[QuerySet[Suppression], dict[str, str]]:
    """The list as the page's filters ask for it, and those filters (cleaned)."""
    return deliverability.listed(
        account,
        q=params.get("q", ""),
        channel=params.get("channel", ""),
        reason=params.get("reason", ""),
        state=params.get("state", "active"),
    )


@setup_view
def suppression_list(request: HttpRequest, account: Account) -> HttpResponse:
    action = request.POST.get("action", "")
    form = forms.SuppressionForm(request.POST if action == "add" else None)
    key_form = forms.FeedbackKeyForm(request.POST if action == "add_key" else None)
    minted = None
    lift_error = ("", "")
    if request.method == "POST":
        if action == "add" and form.is_valid():
            try:
                row = deliverability.do_add_suppression(
                    by=request.user, account=account, **form.cleaned_data
                )
            except SetupError as error:
                form.show(error)
            else:
                messages.success(
                    request, _("%(address)s is suppressed.") % {"address": row.address}
                )
                return redirect("setup-suppressions")
        elif action == "lift":
            row = Suppression.objects.filter(account=account, pk=request.POST.get("id")).first()
            if row is None:
                raise Http404("No such suppression.")
            try:
                deliverability.do_lift_suppression(
                    by=request.user, suppression=row, reason=request.POST.get("reason", "")
                )
            except SetupError as error:
                lift_error = (str(row.pk), "; ".join(error.errors.values()))
            else:
                messages.success(
                    request, _("%(address)s may be surveyed again.") % {"address": row.address}
                )
                return redirect("setup-suppressions")
        elif action == "add_key" and key_form.is_valid():
            try:
                minted = deliverability.do_add_feedback_key(
                    account=account, by=request.user, name=key_form.cleaned_data["name"]
                )
            except SetupError as error:
                key_form.show(error)
            else:
                key_form = forms.FeedbackKeyForm()
        elif action == "revoke_key":
            key = FeedbackKey.objects.filter(account=account, pk=request.POST.get("id")).first()
            if key is None:
                raise Http404("No such address.")
            deliverability.do_revoke_feedback_key(by=request.user, key=key)
            messages.success(request, _("%(name)s's address is switched off.") % {"name": key.name})
            return redirect("setup-suppressions")
    rows, chosen = _listed(account, request.GET)
    paged = Paginator(rows, 50).get_page(request.GET.get("page"))
    hook = ""
    if minted:
        hook = request.build_absolute_uri(reverse("feedback-hook", args=[minted.secret]))
    failed = bool(form.errors or key_form.errors or lift_error[0])
    return page(
        request,
        "setup/suppressions.html",
        {
            "account": account,
            "page": paged,
            "chosen": chosen,
            "query": urlencode(chosen) + "&",
            "reasons": Suppression.Reason.choices,
            "form": form,
            "key_form": key_form,
            "lift_error": lift_error,
            "minted": minted,
            "hook": hook,
            "keys": FeedbackKey.objects.filter(account=account).order_by("revoked_at", "name"),
            "counts": {
                channel: suppressions.active(account.pk).filter(channel=channel).count()
                for channel in suppressions.CHANNELS
            },
        },
        status=400 if failed else 200,
    )


def _cell(value: str) -> str:
    """Spreadsheet-safe, but an E.164 number stays as it is (a spreadsheet reads it as a
    number, never as a formula)."""
    if value.startswith("+") and value[1:].isdigit():
        return value
    return safe(value)


@setup_view
def suppression_export(request: HttpRequest, account: Account) -> StreamingHttpResponse:
    """The list as filtered on the page, as CSV."""
    rows, _chosen = _listed(account, request.GET)

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "channel",
                "address",
                "reason",
                "detail",
                "source",
                "suppressed_at",
                "lifted_at",
                "lifted_by",
                "lift_reason",
            ]
        )
        for row in rows.iterator(chunk_size=2000):
            writer.writerow(
                [
                    row.channel,
                    _cell(row.address),
                    row.reason,
                    _cell(row.detail),
                    _cell(row.source),
                    row.created_at.isoformat(),
                    row.lifted_at.isoformat() if row.lifted_at else "",
                    _cell(row.lifted_by),
                    _cell(row.lift_reason),
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{account.slug}-suppressions.csv"'
    return response


@csrf_exempt
@require_POST
def feedback_hook(request: HttpRequest, secret: str) -> HttpResponse:
    """Bounce and complaint reports from a provider (see `contacts.feedback` for the formats).
    A wrong key is a 404; a body no format fits is a 400 that says why and changes nothing."""
    key = suppressions.access_feedback_key(secret)
    if key is None:
        raise Http404("No such feedback address.")
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        return JsonResponse({"error": f"The body is over {MAX_BODY} bytes."}, status=413)
    try:
        reports = read_reports(request.body, request.content_type or "")
    except FeedbackError as error:
        return JsonResponse({"error": str(error)}, status=400)
    with transaction.atomic():
        added = suppressions.record_reports(key.account_id, reports)
    return JsonResponse({"reports": len(reports), "suppressed": added})
