"""An alert's title, summary, windows and evidence links in the reader's language, for the
alert pages and the alert email (rendered per recipient, `notifications.do_notify`)."""

from __future__ import annotations

import datetime as dt

from django import template

from touchpoint.alerts import actions, conditions, wording
from touchpoint.alerts.models import Alert
from touchpoint.reports.labels import span_label

register = template.Library()


@register.filter
def alert_title(alert: Alert) -> str:
    return wording.title(alert, conditions.TITLES)


@register.filter
def alert_summary(alert: Alert) -> str:
    return wording.summary(alert, conditions.SUMMARIES)


@register.filter
def window_name(name: str) -> str:
    return wording.window_name(name or "")


@register.simple_tag
def alert_links(alert: Alert, absolute: bool = True) -> list[tuple[str, str]]:
    """(label, URL) of the pages behind the alert, labelled in the reader's language."""
    return actions.evidence_links(alert, absolute=absolute)


@register.filter
def alert_span(alert: Alert) -> str:
    """The alert's window as dates in the reader's format."""
    return span_label(alert.window_start, alert.window_end)


@register.filter
def window_label(window: dict) -> str:
    """A window kept in the evidence ({"name", "from", "to"}): its name and dates."""
    window = window or {}
    try:
        start, end = dt.date.fromisoformat(window["from"]), dt.date.fromisoformat(window["to"])
    except (KeyError, TypeError, ValueError):
        return wording.window_name(window.get("name", ""))
    return f"{wording.window_name(window.get('name', ''))} ({span_label(start, end)})"
