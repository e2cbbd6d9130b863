"""The one menu of every signed-in page, as a context processor: the same links on every
page, the current one marked. Other apps add their page here (one list, easy to merge)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from touchpoint.accounts.models import Membership

# (key, label, url name, path prefixes that mark it current, who sees it)
MENU = (
    ("dashboard", _("Dashboard"), "dashboard", ("/dashboard/", "/units/"), "all"),
    ("league", _("League tables"), "league-home", ("/league/",), "all"),
    ("responses", _("Responses"), "responses", ("/responses/",), "all"),
    ("tickets", _("Tickets"), "tickets", ("/tickets/",), "all"),
    ("alerts", _("Alerts"), "alerts", ("/alerts/",), "all"),
    ("interviews", _("Phone interviews"), "interviews", ("/interviews/",), "all"),
    ("people", _("People"), "people", ("/people/",), "all"),
    ("targets", _("Targets"), "targets", ("/targets/",), "admin"),
    ("digest", _("Weekly digest"), "digest-settings", ("/digest/",), "all"),
    ("setup", _("Setup"), "setup", ("/setup/",), "account_admin"),
)


def _items(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    admin_depths = set(
        Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values_list(
            "unit__depth", flat=True
        )
    )
    path = request.path
    items = []
    for key, label, name, prefixes, who in MENU:
        if who == "admin" and not admin_depths:
            continue
        if who == "account_admin" and 0 not in admin_depths:  # the brand's admins set up
            continue
        current = any(path.startswith(p) for p in prefixes) and not (
            key == "dashboard" and "/league" in path
        )
        if key == "league" and "/league" in path:
            current = True
        items.append({"key": key, "label": label, "url": reverse(name), "current": current})
    return items


def menu(request) -> dict:
    if not hasattr(request, "user"):
        return {"dev_outbox": settings.DEV_OUTBOX}
    return {
        "menu": SimpleLazyObject(lambda: _items(request)),
        "dev_outbox": settings.DEV_OUTBOX,
    }
