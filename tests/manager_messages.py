"""The manager interface's gettext messages: every msgid marked in the templates and Python
modules managers read (pages, ticket emails, digests), as Django's makemessages sees them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent / "touchpoint"

# What is translated today: the base layout and menu, sign-in, the dashboard, tickets (pages
# and notices), the weekly and daily digests, people, invitations, password reset, one's own
# settings, and setup (every page under /setup/, its forms, checks and notices). Not yet:
# explorer, league tables, alerts, targets, themes, interviews.
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
