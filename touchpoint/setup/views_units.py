"""The organisation on `/setup/units/`: browse the tree one level at a time, search it, edit
one unit, and sync it from a file (checked, planned, then applied); the same file format adds
people in bulk from `/people/`."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from touchpoint.accounts.access import top_units
from touchpoint.accounts.models import Account, MemberInvitation, Membership, Unit
from touchpoint.lib.numbers import format_count
from touchpoint.responses.actions import do_restate_history
from touchpoint.setup import units as sync
from touchpoint.setup.audit import record_change
from touchpoint.setup.forms import UnitFileForm
from touchpoint.setup.models import SetupChange, UnitImport
from touchpoint.setup.unitrows import ATTRIBUTE, SyncRefused, UnitRow, read_unit_csv
from touchpoint.setup.views import page, setup_view

PER_PAGE = 50
SHOWN_PER_KIND = 100
MAX_FILE = 20 * 1024 * 1024


def _ancestors(units: list[Unit]) -> dict[int, Unit]:
    ids = {a for u in units for a in u.ancestor_ids}
    return Unit.objects.in_bulk(ids)


@setup_view
def units(request: HttpRequest, account: Account) -> HttpResponse:
    """One level of the tree (the children of `?unit=`, roots first), or search results."""
    q = request.GET.get("q", "").strip()
    show_closed = request.GET.get("closed") == "1"
    current = None
    base = Unit.objects.filter(account=account)
    if not show_closed:
        base = base.filter(is_active=True)
    if q:
        listed = base.filter(Q(code__icontains=q) | Q(name__icontains=q)).order_by("path")
    else:
        unit_id = request.GET.get("unit", "")
        if unit_id.isascii() and unit_id.isdigit():
            current = Unit.objects.filter(account=account, pk=int(unit_id)).first()
            if current is None:
                raise Http404("No such unit.")
        else:  # one brand: start below it
            roots = list(Unit.objects.filter(account=account, depth=0)[:2])
            current = roots[0] if len(roots) == 1 else None
        listed = base.filter(parent=current).order_by("name", "code")
    listed = listed.annotate(
        below=Count("children", distinct=True),
        people=Count("memberships", distinct=True),
        invited=Count(
            "member_invitations",
            filter=Q(
                member_invitations__accepted_at__isnull=True,
                member_invitations__revoked_at__isnull=True,
                member_invitations__expires_at__gt=timezone.now(),
            ),
            distinct=True,
        ),
    )
    paged = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(paged)
    ancestors = _ancestors([*rows, *([current] if current else [])])
    for unit in rows:
        unit.trail = [ancestors[a] for a in unit.ancestor_ids[:-1] if a in ancestors]
    return page(
        request,
        "setup/units.html",
        {
            "account": account,
            "q": q,
            "query": urlencode(
                {k: v for k, v in request.GET.items() if k in ("q", "unit", "closed")}
            )
            + "&",
            "closed": show_closed,
            "current": current,
            "crumbs": [ancestors[a] for a in current.ancestor_ids if a in ancestors]
            if current
            else [],
            "page": paged,
            "rows": rows,
            "form": UnitFileForm(),
            "imports": UnitImport.objects.filter(account=account, members_only=False).order_by(
                "-created_at"
            )[:5],
            "totals": Unit.objects.filter(account=account).aggregate(
                active=Count("pk", filter=Q(is_active=True)),
                closed=Count("pk", filter=Q(is_active=False)),
            ),
        },
    )


@setup_view
def unit_detail(request: HttpRequest, account: Account, pk: int) -> HttpResponse:
    """One unit: its facts and people, and a form that changes it by the same sync as a file
    (a one-line file), so every rule of the file applies."""
    unit = Unit.objects.filter(account=account, pk=pk).select_related("parent").first()
    if unit is None:
        raise Http404("No such unit.")
    values = {
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else "",
        "time_zone": unit.time_zone,
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, v).strip() for k, v in values.items()}
        row = UnitRow(label="unit", code=unit.code, attributes=unit.attributes, **values)
        try:
            plan = sync.do_apply_sync(account, [row], by=request.user, source=unit.code)
        except SyncRefused as refused:
            errors = {e["field"].split(".", 1)[1]: e["message"] for e in refused.errors}
        else:
            reopened = plan.counts["reopened"]
            messages.success(request, _("Reopened and saved.") if reopened else _("Saved."))
            return redirect("setup-unit", pk=unit.pk)
    ancestors = _ancestors([unit])
    return page(
        request,
        "setup/unit.html",
        {
            "account": account,
            "unit": unit,
            "values": values,
            "errors": errors,
            "kinds": Unit.Kind.choices,
            "crumbs": [ancestors[a] for a in unit.ancestor_ids if a in ancestors],
            "memberships": Membership.objects.filter(unit=unit).select_related("user"),
            "invitations": MemberInvitation.objects.filter(
                unit=unit,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            ),
            "children": unit.children.count(),
        },
        status=400 if errors else 200,
    )


@setup_view
@require_POST
def unit_state(request: HttpRequest, account: Account, pk: int) -> HttpResponse:
    """Close a unit (and everything below it) or reopen it; history stays."""
    unit = Unit.objects.filter(account=account, pk=pk).first()
    if unit is None:
        raise Http404("No such unit.")
    if unit.depth == 0:
        messages.error(request, _("The brand cannot be closed."))
        return redirect("setup-unit", pk=pk)
    active = request.POST.get("active") == "1"
    if not active:
        affected = Unit.objects.filter(account=account, path__startswith=unit.path, is_active=True)
    else:
        affected = Unit.objects.filter(pk=unit.pk, is_active=False)
        if unit.parent and not unit.parent.is_active:
            messages.error(request, _("Reopen the unit above it first."))
            return redirect("setup-unit", pk=pk)
    codes = list(affected.values_list("code", flat=True))
    affected.update(is_active=active)
    record_change(
        account,
        request.user,
        SetupChange.Subject.UNITS,
        "reopened" if active else "closed",
        key=unit.code,
        label=unit.name,
        before={"is_active": not active, "units": codes},
        after={"is_active": active, "units": codes},
    )
    messages.success(
        request,
        _("Reopened.")
        if active
        else _("Closed %(n)s unit(s); their history stays.") % {"n": format_count(len(codes))},
    )
    return redirect("setup-unit", pk=pk)


@setup_view
@require_POST
def unit_restate(request: HttpRequest, account: Account, pk: int) -> HttpResponse:
    unit = Unit.objects.filter(account=account, pk=pk).select_related("account").first()
    if unit is None:
        raise Http404("No such unit.")
    total = do_restate_history(unit=unit)
    record_change(
        account,
        request.user,
        SetupChange.Subject.UNITS,
        "restated",
        key=unit.code,
        label=unit.name,
        after={"answers": total},
    )
    messages.success(
        request,
        _("%(n)s past answer(s) now count under the current tree.") % {"n": format_count(total)},
    )
    return redirect("setup-unit", pk=pk)


@setup_view
def units_export(request: HttpRequest, account: Account) -> StreamingHttpResponse:
    """The tree in the unit file format (people included): edit it and upload it back."""
    all_units = list(Unit.objects.filter(account=account).order_by("path"))
    code_of = {u.pk: u.code for u in all_units}
    names = sorted({k for u in all_units for k in u.attributes})
    people: dict[int, list[str]] = {}
    for unit_id, email, username, role in Membership.objects.filter(
        unit__account=account
    ).values_list("unit_id", "user__email", "user__username", "role"):
        people.setdefault(unit_id, []).append(f"{(email or username).lower()}:{role}")

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["code", "name", "kind", "parent", "time_zone", "managers"]
            + [ATTRIBUTE + n for n in names]
        )
        for unit in all_units:
            if not unit.is_active:
                continue
            writer.writerow(
                [
                    unit.code,
                    unit.name,
                    unit.kind,
                    code_of.get(unit.parent_id, ""),
                    unit.time_zone,
                    "; ".join(sorted(people.get(unit.pk, []))),
                    *[unit.attributes.get(n, "") for n in names],
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{account.slug}-units.csv"'
    return response


# --- files: check, plan, apply ------------------------------------------------------------


def _read_upload(request: HttpRequest, *, members_only: bool):
    form = UnitFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None, [{"field": "file", "message": " ".join(form.errors.get("file", []))}]
    upload = form.cleaned_data["file"]
    if upload.size > MAX_FILE:
        return form, None, [{"field": "file", "message": _("at most 20 MB")}]
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return form, None, [{"field": "file", "message": _("the file is not UTF-8 text")}]
    rows, errors = read_unit_csv(text, members_only=members_only)
    return form, rows, errors


def _new_import(request, account, rows, form, *, members_only: bool) -> HttpResponse:
    options = {
        "close_missing": bool(form.cleaned_data.get("close_missing")) and not members_only,
        "remove_missing_members": bool(form.cleaned_data.get("remove_missing_members"))
        and not members_only,
    }
    plan = sync.prepare(account, rows, members_only=members_only, by=request.user, **options)
    pending = UnitImport.objects.create(
        account=account,
        created_by=request.user,
        file_name=form.cleaned_data["file"].name[:200],
        members_only=members_only,
        rows=[row.as_json() for row in rows],
        options=options,
        digest=plan.digest,
    )
    return redirect("people-import" if members_only else "setup-import", pk=pending.pk)


@setup_view
@require_POST
def units_upload(request: HttpRequest, account: Account) -> HttpResponse:
    form, rows, errors = _read_upload(request, members_only=False)
    if not errors:
        try:
            return _new_import(request, account, rows, form, members_only=False)
        except SyncRefused as refused:
            errors = refused.errors
    return page(
        request,
        "setup/import.html",
        {
            "account": account,
            "errors": errors[:500],
            "error_count": len(errors),
            "members_only": False,
        },
        status=400,
    )


def _plan_page(request, account, pending: UnitImport, *, plan=None, errors=None, status=200):
    rows = [UnitRow.from_json(r) for r in pending.rows]
    if plan is None and errors is None and pending.applied_at is None:
        try:
            plan = sync.prepare(
                account, rows, members_only=pending.members_only, by=request.user, **pending.options
            )
        except SyncRefused as refused:
            errors = refused.errors
    sections = []
    if plan is not None:
        for kind in sync.CHANGE_KINDS:
            found = plan.by_kind(kind)
            if found:
                sections.append(
                    {"kind": kind, "count": len(found), "changes": found[:SHOWN_PER_KIND]}
                )
    return page(
        request,
        "setup/import.html",
        {
            "account": account,
            "pending": pending,
            "plan": plan,
            "sections": sections,
            "errors": (errors or [])[:500],
            "error_count": len(errors or []),
            "members_only": pending.members_only,
            "stale": plan is not None and plan.digest != pending.digest,
        },
        status=status,
    )


def _apply(request, account, pending: UnitImport) -> HttpResponse:
    if pending.applied_at is not None:
        messages.error(request, _("This file was applied already."))
        return _plan_page(request, account, pending)
    rows = [UnitRow.from_json(r) for r in pending.rows]
    try:
        plan = sync.do_apply_sync(
            account,
            rows,
            by=request.user,
            members_only=pending.members_only,
            expected_digest=request.POST.get("digest", ""),
            source=pending.file_name,
            **pending.options,
        )
    except sync.PlanChanged as changed:
        pending.digest = changed.plan.digest
        pending.save(update_fields=["digest"])
        messages.error(
            request,
            _(
                "The organisation changed since this plan was made: here is "
                "the new plan. Check it and apply again."
            ),
        )
        return _plan_page(request, account, pending, plan=changed.plan, status=409)
    except SyncRefused as refused:
        return _plan_page(request, account, pending, errors=refused.errors, status=400)
    UnitImport.objects.filter(pk=pending.pk).update(applied_at=timezone.now())
    done = ", ".join(
        f"{n} {kind.replace('_', ' ')}"
        for kind, n in plan.counts.items()
        if n and kind not in sync.REPORTS
    )
    messages.success(request, _("Applied: %(done)s.") % {"done": done or _("nothing to change")})
    return redirect("people" if pending.members_only else "setup-units")


@setup_view
def units_import(request: HttpRequest, account: Account, pk: int) -> HttpResponse:
    pending = UnitImport.objects.filter(account=account, pk=pk, members_only=False).first()
    if pending is None:
        raise Http404("No such file.")
    if request.method == "POST":
        return _apply(request, account, pending)
    return _plan_page(request, account, pending)


# --- people in bulk (managers, within their scope, as well as admins) ------------------------


def _people_account(request: HttpRequest) -> Account:
    tops = top_units(request.user)
    if not tops:
        raise Http404("No people to manage.")
    return tops[0].account


@login_required
@require_POST
def people_upload(request: HttpRequest) -> HttpResponse:
    account = _people_account(request)
    form, rows, errors = _read_upload(request, members_only=True)
    if not errors:
        try:
            return _new_import(request, account, rows, form, members_only=True)
        except SyncRefused as refused:
            errors = refused.errors
    return page(
        request,
        "setup/import.html",
        {
            "account": account,
            "errors": errors[:500],
            "error_count": len(errors),
            "members_only": True,
        },
        status=400,
    )


@login_required
def people_import(request: HttpRequest, pk: int) -> HttpResponse:
    account = _people_account(request)
    pending = UnitImport.objects.filter(
        account=account, pk=pk, members_only=True, created_by=request.user
    ).first()
    if pending is None:
        raise Http404("No such file.")
    if request.method == "POST":
        return _apply(request, account, pending)
    return _plan_page(request, account, pending)
