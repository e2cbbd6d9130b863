"""The manager interface's gettext messages: every msgid marked in the templates and Python
modules managers read (pages, ticket emails, digests), as Django's makemessages sees them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent / "touchpoint"

# What is translated: the base layout and menu, sign-in, the dashboard, tickets (pages and
# notices), the weekly and daily digests, people, invitations, password reset and one's own
# settings; every setup page under /setup/ (forms, checks, notices); the response explorer,
# league tables, alerts (pages and emails), targets, themes and what customers talk about,
# phone interviews, the connectors' email to managers, each connector's settings and checks
# (connectors/vendors/, connectors/actions.py) and the question builder's checks
# (surveys/questions.py, whose answer checks respondents read). Not here: development-only pages
# (devmail), and what customers read (surveys, kiosks, widget: their wording travels by the
# survey's language).
TEMPLATES = [
    "front/templates/front/app_base.html",
    "front/templates/front/_menu.html",
    "front/templates/front/login.html",
    "front/templates/front/home.html",
    "front/templates/front/unit.html",
    "front/templates/front/_figures.html",
    "front/templates/front/_filters.html",
    "front/templates/front/_change.html",
    "front/templates/front/_headline.html",
    "analysis/templates/analysis/_dashboard.html",
    "analysis/templates/analysis/_digest.html",
    "analysis/templates/analysis/_digest.txt",
    "tickets/templates/tickets/inbox.html",
    "tickets/templates/tickets/ticket.html",
    "tickets/templates/tickets/_causes.html",
    "tickets/templates/tickets/root_causes.html",
    "tickets/templates/tickets/settings.html",
    "tickets/templates/tickets/email/notice.html",
    "tickets/templates/tickets/email/notice.txt",
    "notifications/templates/notifications/email/digest.html",
    "notifications/templates/notifications/email/digest.txt",
    "digests/templates/digests/email.html",
    "digests/templates/digests/email.txt",
    "digests/templates/digests/settings.html",
    "explorer/templates/responses/list.html",
    "explorer/templates/responses/detail.html",
    "explorer/templates/responses/_ticket.html",
    "explorer/templates/responses/_category.html",
    "front/templates/front/league.html",
    "alerts/templates/alerts/list.html",
    "alerts/templates/alerts/alert.html",
    "alerts/templates/alerts/email/alert.html",
    "alerts/templates/alerts/email/alert.txt",
    "alerts/templates/alerts/email/alert_subject.txt",
    "targets/templates/targets/targets.html",
    "analysis/templates/analysis/themes.html",
    "analysis/templates/analysis/theme_form.html",
    "analysis/templates/analysis/unit.html",
    "interviews/templates/interviews/queue.html",
    "interviews/templates/interviews/call.html",
    "connectors/templates/connectors/email/disabled.html",
    "connectors/templates/connectors/email/disabled.txt",
    "connectors/templates/connectors/email/disabled_subject.txt",
    *sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "accounts/templates").rglob("*") if p.is_file()
    ),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "setup/templates").rglob("*") if p.is_file()),
]
MODULES = [
    "front/context.py",
    "front/views.py",
    "accounts/models.py",
    "contacts/models.py",
    "accounts/actions.py",
    "accounts/views.py",
    "surveys/models.py",
    "tickets/models.py",
    "tickets/actions.py",
    "tickets/notices.py",
    "tickets/views.py",
    "notifications/models.py",
    "notifications/delivery.py",
    "notifications/people.py",
    "digests/content.py",
    "digests/views.py",
    "reports/labels.py",
    "reports/league.py",
    "reports/chart.py",
    "reports/counting.py",
    "reports/figures.py",
    "responses/explorer.py",
    "explorer/views.py",
    "alerts/apps.py",
    "alerts/models.py",
    "alerts/conditions.py",
    "alerts/actions.py",
    "alerts/themes.py",
    "alerts/wording.py",
    "alerts/views.py",
    "targets/actions.py",
    "targets/views.py",
    "analysis/actions.py",
    "analysis/drivers.py",
    "analysis/explorer.py",
    "analysis/views.py",
    "interviews/models.py",
    "interviews/actions.py",
    "interviews/views.py",
    "connectors/actions.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "connectors/vendors").glob("*.py")),
    "surveys/questions.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "setup").glob("*.py")),
]
SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop"}
PLURAL = {"ngettext", "ngettext_lazy"}
_LITERAL = r"u?'(?:[^'\\]|\\.)*'|u?\"(?:[^\"\\]|\\.)*\""
_CALL = re.compile(rf"\b(n?gettext)\(((?:{_LITERAL})(?:, ?(?:{_LITERAL}))?)")


def from_template(path: Path) -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for name, args in _CALL.findall(templatize(path.read_text(), origin=str(path))):
        strings = ast.literal_eval(f"({args},)")
        found.add(strings[0] if name == "gettext" else (strings[0], strings[1]))
    return found


def from_module(path: Path) -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if node.func.id in SINGULAR and texts and isinstance(texts[0], str):
            found.add(texts[0])
        elif node.func.id in PLURAL and len(texts) >= 2:
            found.add((texts[0], texts[1]))
    return found


def manager_messages() -> set[str | tuple[str, str]]:
    """Singular msgids, and (singular, plural) pairs."""
    found: set[str | tuple[str, str]] = set()
    for name in TEMPLATES:
        found |= from_template(ROOT / name)
    for name in MODULES:
        found |= from_module(ROOT / name)
    return found
