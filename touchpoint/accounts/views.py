"""People pages: members and invitations of one's part of the tree, accepting an invitation,
and password reset by email (Django's views, our templates and wording)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from touchpoint.accounts import actions
from touchpoint.accounts.access import access_unit, scoped_units, top_units
from touchpoint.accounts.languages import account_of, do_set_language, shipped_language, speaking
from touchpoint.accounts.models import ROLE_RANK, MemberInvitation, Membership, Profile

GRANTING = {Membership.Role.ADMIN, Membership.Role.MANAGER}


def _roles_by_unit(user, units, *, held=None) -> dict[int, str]:
    """The user's effective role on each unit (their highest membership at or above it)."""
    if held is None:
        held = list(Membership.objects.filter(user=user).select_related("unit"))
    out = {}
    for unit in units:
        roles = [m.role for m in held if unit.path.startswith(m.unit.path)]
        if roles:
            out[unit.pk] = max(roles, key=lambda r: ROLE_RANK[r])
    return out


PEOPLE_PER_PAGE = 50
# ?sort= values: the column and the order it stands for.
PEOPLE_SORTS = {
    "person": ("user__last_name", "user__first_name", "user__username", "pk"),
    "unit": ("unit__path", "user__username", "pk"),
    "role": ("-role_rank", "user__username", "pk"),
    "since": ("-created_at", "-pk"),
}
MANY_UNITS = 200  # above this, the invitation form takes a unit code instead of a list


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Members and open invitations in the user's scope, with what they may change: searched
    (name, email, unit), sorted by a column and shown 50 a page."""
    tops = top_units(request.user)
    in_scope = actions.units_q(tops)
    q = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "unit")
    sort = sort if sort.lstrip("-") in PEOPLE_SORTS else "unit"
    order = PEOPLE_SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        order = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)
    found = (
        Membership.objects.filter(in_scope)
        .select_related("user", "unit")
        .annotate(
            role_rank=Case(
                *[When(role=role, then=Value(rank)) for role, rank in ROLE_RANK.items()],
                output_field=IntegerField(),
            )
        )
    )
    if q:
        found = found.filter(
            Q(user__username__icontains=q)
            | Q(user__email__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(unit__name__icontains=q)
            | Q(unit__code__iexact=q)
        )
    page = Paginator(found.order_by(*order), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    memberships = list(page)
    now = timezone.now()
    invitations = MemberInvitation.objects.filter(
        in_scope, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("unit", "invited_by")
    if q:
        invitations = invitations.filter(
            Q(email__icontains=q) | Q(unit__name__icontains=q) | Q(unit__code__iexact=q)
        )
    invitation_page = Paginator(invitations.order_by("-created_at", "-pk"), 20).get_page(
        request.GET.get("invitations")
    )
    shown_invitations = list(invitation_page)
    user = request.user
    if not user.is_authenticated:  # login_required, said again for the type checker
        raise Http404
    held = list(Membership.objects.filter(user=user).select_related("unit"))
    granting_units = [m.unit for m in held if m.role in GRANTING]
    many = scoped_units(request.user).filter(is_active=True).count() > MANY_UNITS
    invite_units = (
        []
        if many
        else list(
            scoped_units(request.user)
            .filter(is_active=True)
            .select_related("account")
            .order_by("path")
        )
    )
    roles = _roles_by_unit(
        request.user,
        [m.unit for m in memberships] + [i.unit for i in shown_invitations] + invite_units,
        held=held,
    )

    def grantable(unit_id: int) -> list[tuple[str, str]]:
        own = roles.get(unit_id)
        if own not in GRANTING:
            return []
        return [
            (v, str(label))
            for v, label in Membership.Role.choices
            if ROLE_RANK[v] <= ROLE_RANK[own]
        ]

    rows = [
        {
            "m": m,
            "roles": grantable(m.unit_id)
            if m.user_id != request.user.pk
            and ROLE_RANK[m.role] <= ROLE_RANK.get(roles.get(m.unit_id) or "", -1)
            else [],
        }
        for m in memberships
    ]
    invite_units = [u for u in invite_units if roles.get(u.pk) in GRANTING]
    own_best = max(
        (m.role for m in held if m.role in GRANTING), key=lambda r: ROLE_RANK[r], default=None
    )
    context = {
        "rows": rows,
        "page": page,
        "q": q,
        "sort": sort,
        "sorts": [
            ("person", gettext("Person")),
            ("unit", gettext("Unit")),
            ("role", gettext("Role")),
            ("since", gettext("Since")),
        ],
        "query": urlencode({"q": q, "sort": sort}) + "&",
        "invitations": [
            {"i": i, "state": i.state(now), "may": bool(grantable(i.unit_id))}
            for i in shown_invitations
        ],
        "invitation_page": invitation_page,
        "invite_units": invite_units,
        "invite_by_code": many and bool(granting_units),
        "invite_roles": [
            (v, label)
            for v, label in Membership.Role.choices
            if own_best and ROLE_RANK[v] <= ROLE_RANK[own_best]
        ],
        "languages": settings.LANGUAGES,
        "dev_outbox": settings.DEV_OUTBOX,
    }
    return render(request, "accounts/people.html", context)


def _done(request: HttpRequest, error: actions.PeopleError | None, ok: str) -> HttpResponse:
    if error is not None:
        messages.error(request, str(error))
    else:
        messages.success(request, ok)
    return redirect("people")


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    unit_id = request.POST.get("unit", "")
    code = request.POST.get("unit_code", "").strip()
    if code:
        unit = scoped_units(request.user).filter(code=code).first()
        if unit is None:
            messages.error(
                request,
                gettext("No unit with code {code!r} in your part of the tree.").format(code=code),
            )
            return redirect("people")
    elif not (unit_id.isascii() and unit_id.isdigit()):
        messages.error(request, gettext("Choose a unit."))
        return redirect("people")
    else:
        unit = access_unit(request.user, int(unit_id))
    email = request.POST.get("email", "")
    try:
        actions.do_invite_member(
            by=request.user,
            unit=unit,
            email=email,
            role=request.POST.get("role", ""),
            language=request.POST.get("language", ""),
        )
    except actions.PeopleError as error:
        return _done(request, error, "")
    return _done(
        request, None, gettext("Invitation sent to {email}.").format(email=email.strip().lower())
    )


@login_required
@require_POST
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = actions.access_member_invitation(request.user, pk)
    try:
        actions.do_resend_member_invitation(by=request.user, invitation=invitation)
    except actions.PeopleError as error:
        return _done(request, error, "")
    return _done(
        request, None, gettext("A new link was sent to {email}.").format(email=invitation.email)
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = actions.access_member_invitation(request.user, pk)
    try:
        actions.do_revoke_member_invitation(by=request.user, invitation=invitation)
    except actions.PeopleError as error:
        return _done(request, error, "")
    return _done(
        request,
        None,
        gettext("The invitation for {email} was revoked.").format(email=invitation.email),
    )


@login_required
@require_POST
def change_membership(request: HttpRequest, pk: int) -> HttpResponse:
    membership = actions.access_membership(request.user, pk)
    try:
        actions.do_change_membership(
            by=request.user, membership=membership, role=request.POST.get("role", "")
        )
    except actions.PeopleError as error:
        return _done(request, error, "")
    return _done(
        request,
        None,
        gettext("{name}'s role was changed.").format(name=membership.user.get_username()),
    )


@login_required
@require_POST
def remove_membership(request: HttpRequest, pk: int) -> HttpResponse:
    membership = actions.access_membership(request.user, pk)
    try:
        actions.do_remove_membership(by=request.user, membership=membership)
    except actions.PeopleError as error:
        return _done(request, error, "")
    return _done(
        request,
        None,
        gettext("{name} was removed from {unit}.").format(
            name=membership.user.get_username(), unit=membership.unit.name
        ),
    )


@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the emailed link: choose a name and password (or, for an address that
    already has an account, accept while signed in as that person)."""
    invitation = actions.access_member_invitation_by_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_closed.html", status=404)
    existing = actions.existing_user_for(invitation.email) is not None
    error = None
    if request.method == "POST":
        try:
            if existing:
                if not request.user.is_authenticated:
                    return redirect(f"{settings.LOGIN_URL}?next={request.path}")
                membership = actions.do_accept_invitation(token=token, user=request.user)
            else:
                if request.POST.get("password") != request.POST.get("password2"):
                    raise actions.PeopleError(gettext("The two passwords differ."), "password2")
                membership = actions.do_accept_invitation(
                    token=token,
                    name=request.POST.get("name", ""),
                    password=request.POST.get("password", ""),
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except actions.PeopleError as failure:
            error = failure
        else:
            with speaking(membership.user):  # their language, now theirs
                messages.success(
                    request,
                    gettext("Welcome! You are now {role} of {unit}.").format(
                        role=str(membership.get_role_display()).lower(), unit=membership.unit.name
                    ),
                )
            return redirect("home")
    with speaking(account=invitation.account, language=invitation.language or None):
        return render(
            request,
            "accounts/accept.html",
            {
                "invitation": invitation,
                "existing": existing,
                "error": error,
                "name": request.POST.get("name", ""),
            },
            status=400 if error else 200,
        )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's form, but the email goes through the outbox like every other (its link is
    minted when it is sent, from SITE_URL, never the request's Host header)."""

    def save(self, *args, **kwargs) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            actions.do_queue_password_reset(user)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("password_reset_done")


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own settings: the language of their pages, emails and digests."""
    user = request.user
    if not user.is_authenticated:  # login_required, said again for the type checker
        raise Http404
    account = account_of(user)
    if request.method == "POST":
        try:
            do_set_language(request.user, request.POST.get("language", ""))
        except ValueError:
            messages.error(request, gettext("Choose one of the languages offered."))
            return redirect("profile")
        with speaking(request.user, account=account):  # the confirmation in the new language
            messages.success(request, gettext("Saved. Touchpoint now speaks your language."))
        return redirect("profile")
    own = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    account_language = dict(settings.LANGUAGES).get(
        shipped_language(account.default_locale if account else None), ""
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "languages": settings.LANGUAGES,
            "current": own or "",
            "account_language": account_language,
            "zone": account.time_zone if account else settings.TIME_ZONE,
            "now": timezone.now(),
        },
    )
