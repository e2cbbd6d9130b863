"""The setup pages' forms: proper fields with help text, turned into the values the setup
actions take (the same values the API sends), and the actions' errors put back on the field
at fault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from touchpoint.notifications.models import Endpoint
from touchpoint.setup.audit import SetupError
from touchpoint.setup.integrations import EVENTS
from touchpoint.setup.rules import WORDING_KEYS
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.surveys.questions import CATEGORIES
from touchpoint.surveys.wording import defaults_for
from touchpoint.tickets.models import Priority, TicketRule

LANGUAGES = dict(settings.LANGUAGES)
DELAY_UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}


class SetupForm(forms.Form):
    """Maps an action's field names to this form's fields, to show its errors in place."""

    error_fields: dict[str, str] = {}

    def show(self, error: SetupError) -> None:
        """Put the action's messages on their fields (a field already marked keeps its
        own message)."""
        for name, message in error.errors.items():
            field = self.error_fields.get(name.split(".")[0], name)
            field = field if field in self.fields else None
            if field is None or field not in self.errors:
                self.add_error(field, message)


class TouchpointForm(SetupForm):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("What managers see in reports.")
    )
    slug = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_(
            "What your systems send as the interaction's touchpoint, e.g. repair-completed. "
            "Changing it breaks senders still using the old code."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind of moment"),
        choices=Touchpoint.Kind.choices,
        help_text=_("Chooses the built-in context sentence (you can reword it)."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        help_text=_(
            "Email and SMS are sent by Touchpoint; a web link, the widget, in-app and kiosks "
            "are answered where you show them; phone goes to the interviewers' queue."
        ),
    )
    fallback_channel = forms.ChoiceField(
        label=_("Fallback channel"),
        required=False,
        choices=[("", _("None")), (Channel.EMAIL, _("Email")), (Channel.SMS, _("SMS"))],
        help_text=_(
            "If an email or SMS survey fails for good, send it once on this channel instead."
        ),
    )
    delay_amount = forms.IntegerField(
        label=_("Delay"),
        min_value=0,
        help_text=_("Time between the interaction and the invitation (at most 90 days)."),
    )
    delay_unit = forms.ChoiceField(
        label=_("Delay unit"),
        choices=[("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))],
    )
    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("No invitation goes out between these local times of the customer."),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave both empty for none; 21:00 to 08:00 wraps past midnight."),
    )
    expiry_days = forms.IntegerField(
        label=_("Expiry (days)"),
        min_value=1,
        max_value=365,
        help_text=_("How long the survey link can be answered after sending."),
    )
    sampling_percent = forms.DecimalField(
        label=_("Sampling (%)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text=_("Share of interactions that get a survey; 100 surveys every one."),
    )
    quarantine_days = forms.IntegerField(
        label=_("Quarantine (days)"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_(
            "A contact surveyed within this many days is not asked again. Empty: the "
            "account's window; 0: never held back."
        ),
    )
    reminder_count = forms.IntegerField(
        label=_("Reminders"),
        min_value=0,
        max_value=3,
        help_text=_(
            "At most this many reminders to people who have neither answered nor opted "
            "out (0: none), on the same channel, out of quiet hours, before the expiry."
        ),
    )
    reminder_after_days = forms.IntegerField(
        label=_("Reminder after (days)"),
        min_value=1,
        max_value=30,
        help_text=_("Days after the invitation, then after the previous reminder."),
    )
    widget_delay_seconds = forms.IntegerField(
        label=_("Widget: wait (seconds)"),
        min_value=0,
        max_value=86400,
        required=False,
        help_text=_("Website widget only: seconds on the page before it asks."),
    )
    widget_min_page_views = forms.IntegerField(
        label=_("Widget: pages seen"),
        min_value=0,
        max_value=1000,
        required=False,
        help_text=_("Website widget only: pages a visitor has seen before it asks."),
    )
    widget_url_patterns = forms.CharField(
        label=_("Widget: pages"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Website widget only: one path pattern a line, e.g. /shop/*. Empty: all."),
    )

    error_fields = {
        "delay_minutes": "delay_amount",
        "sampling_rate": "sampling_percent",
        "widget_rules": "widget_url_patterns",
    }

    @classmethod
    def initial_for(cls, touchpoint: Touchpoint) -> dict[str, Any]:
        minutes = int(touchpoint.delay.total_seconds() // 60)
        unit = next(u for u in ("days", "hours", "minutes") if minutes % DELAY_UNITS[u] == 0)
        rules = touchpoint.widget_rules or {}
        return {
            "name": touchpoint.name,
            "slug": touchpoint.slug,
            "kind": touchpoint.kind,
            "channel": touchpoint.channel,
            "fallback_channel": touchpoint.fallback_channel,
            "delay_amount": minutes // DELAY_UNITS[unit],
            "delay_unit": unit if minutes else "hours",
            "quiet_hours_start": touchpoint.quiet_hours_start,
            "quiet_hours_end": touchpoint.quiet_hours_end,
            "expiry_days": touchpoint.expiry_days,
            "sampling_percent": format((Decimal(touchpoint.sampling_rate) * 100).normalize(), "f"),
            "quarantine_days": touchpoint.quarantine_days,
            "reminder_count": touchpoint.reminder_count,
            "reminder_after_days": touchpoint.reminder_after_days,
            "widget_delay_seconds": rules.get("delay_seconds", 0),
            "widget_min_page_views": rules.get("min_page_views", 0),
            "widget_url_patterns": "\n".join(rules.get("url_patterns", [])),
        }

    def values(self) -> dict[str, Any]:
        """The action's values from the cleaned form. On an invalid form, the fields that
        did clean, the others as they were (so the remaining checks can run too)."""
        data = {**self.initial, **{k: v for k, v in self.cleaned_data.items() if v is not None}}
        for name in ("quiet_hours_start", "quiet_hours_end", "quarantine_days"):
            if name in self.cleaned_data or name not in data:
                data[name] = self.cleaned_data.get(name)
        data.setdefault("widget_url_patterns", "")
        for name in ("widget_delay_seconds", "widget_min_page_views"):
            data.setdefault(name, None)
        rules: dict[str, Any] = {}
        if data.get("widget_delay_seconds"):
            rules["delay_seconds"] = data["widget_delay_seconds"]
        if data.get("widget_min_page_views"):
            rules["min_page_views"] = data["widget_min_page_views"]
        patterns = [p.strip() for p in (data.get("widget_url_patterns") or "").splitlines()]
        if any(patterns):
            rules["url_patterns"] = [p for p in patterns if p]

        def hhmm(value: dt.time | None) -> str | None:
            return value.strftime("%H:%M") if value else None

        return {
            "name": data.get("name", ""),
            "slug": data.get("slug", ""),
            "kind": data.get("kind", "other"),
            "channel": data.get("channel", "email"),
            "fallback_channel": data.get("fallback_channel", ""),
            "delay_minutes": (data.get("delay_amount") or 0)
            * DELAY_UNITS.get(data.get("delay_unit"), 60),
            "quiet_hours_start": hhmm(data["quiet_hours_start"]),
            "quiet_hours_end": hhmm(data["quiet_hours_end"]),
            "expiry_days": data.get("expiry_days", 30),
            "sampling_rate": float(Decimal(data.get("sampling_percent", 100)) / 100),
            "quarantine_days": data["quarantine_days"],
            "reminder_count": data.get("reminder_count", 0),
            "reminder_after_days": data.get("reminder_after_days", 3),
            "widget_rules": rules,
        }


class WordingForm(SetupForm):
    """One language's own words; an empty field keeps the built-in text (its placeholder)."""

    def __init__(self, *args, lang: str, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang
        defaults = defaults_for(lang)
        defaults["context"] = defaults.get(kind, "")
        for key, label in WORDING_KEYS.items():
            long = key in ("context", "question", "why_hint", "thanks_detail", "footer")
            widget = forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput()
            widget.attrs.update(placeholder=defaults.get(key, ""), lang=lang)
            self.fields[key] = forms.CharField(
                label=label, required=False, widget=widget, strip=True, max_length=1000
            )

    def show(self, error: SetupError) -> None:
        for name, message in error.errors.items():
            key = name.rsplit(".", 1)[-1]
            self.add_error(key if key in self.fields else None, message)

    def texts(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}


def question_from_post(post, *, count: int) -> dict[str, Any]:
    """A follow-up question from the builder's fields: key, type, text per language, who sees
    it, required, and option rows (key and label per language)."""

    def text(prefix: str) -> str | dict[str, str]:
        words = {lang: post.get(f"{prefix}_{lang}", "").strip() for lang in LANGUAGES}
        words = {lang: w for lang, w in words.items() if w}
        if set(words) <= {"en"}:
            return words.get("en", "")
        return words

    question: dict[str, Any] = {
        "key": post.get("key", "").strip(),
        "type": post.get("type", ""),
        "text": text("text"),
        "show_to": [c for c in CATEGORIES if c in post.getlist("show_to")],
        "required": post.get("required") == "on",
    }
    if question["type"] in ("single_choice", "multiple_choice"):
        options = []
        for n in range(count):
            key = post.get(f"option_{n}_key", "").strip()
            label = text(f"option_{n}")
            if key or label:
                options.append({"key": key or _slug(label), "label": label})
        question["options"] = options
    if post.get("retired") == "on":
        question["retired"] = True
    return question


def _slug(label: str | dict[str, str]) -> str:
    words = label.get("en", "") if isinstance(label, dict) else label
    out = "".join(c if c.isalnum() else "_" for c in words.lower()).strip("_")
    while "__" in out:
        out = out.replace("__", "_")
    return out[:40] if out and out[0].isalpha() else ""


def question_fields(question: dict[str, Any] | None, extra: int = 3) -> dict[str, Any]:
    """What the builder's form shows for a question (or a new one)."""
    question = question or {"key": "", "type": "text", "text": "", "show_to": list(CATEGORIES)}

    def per_lang(value) -> dict[str, str]:
        if isinstance(value, dict):
            return {lang: value.get(lang, "") for lang in LANGUAGES}
        return {lang: value if lang == "en" else "" for lang in LANGUAGES}

    options = [
        {"key": o.get("key", ""), "label": per_lang(o.get("label", ""))}
        for o in question.get("options", [])
    ]
    options += [{"key": "", "label": per_lang("")} for _ in range(extra)]
    return {
        "key": question.get("key", ""),
        "type": question.get("type", "text"),
        "text": per_lang(question.get("text", "")),
        "show_to": question.get("show_to", list(CATEGORIES)),
        "required": bool(question.get("required")),
        "retired": bool(question.get("retired")),
        "options": options,
    }


QUESTION_TYPES = [
    ("text", _("Free text")),
    ("single_choice", _("Single choice")),
    ("multiple_choice", _("Multiple choice")),
    ("scale", _("1 to 5 scale")),
]
CATEGORY_LABELS = [
    ("promoter", _("Promoters (9 to 10)")),
    ("passive", _("Passives (7 to 8)")),
    ("detractor", _("Detractors (0 to 6)")),
]


class TicketRuleForm(SetupForm):
    open_on = forms.ChoiceField(
        label=_("Open a ticket for"),
        choices=TicketRule.OpenOn.choices,
        help_text=_("Which answers need someone to act."),
    )
    keywords = forms.CharField(
        label=_("Words that open a ticket"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One word or phrase a line; a comment containing one opens a ticket whatever the score."
        ),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    first_response_hours = forms.IntegerField(
        label=_("First response within (hours)"), min_value=1, max_value=2160
    )
    resolution_hours = forms.IntegerField(
        label=_("Resolution within (hours)"), min_value=1, max_value=2160
    )
    escalate = forms.BooleanField(
        label=_("Escalate when late"),
        required=False,
        help_text=_(
            "A ticket not handled in time moves up to the managers of the unit above, one "
            "level per missed window. Off: it stays and is marked overdue."
        ),
    )
    follow_up = forms.ChoiceField(
        label=_("After resolving"),
        choices=TicketRule.FollowUp.choices,
        help_text=_("What the customer is asked once the ticket is resolved."),
    )


class RootCauseForm(SetupForm):
    code = forms.SlugField(
        label=_("Code"), max_length=60, help_text=_("Used by the API; it cannot change later.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)


class KioskForm(SetupForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. Till 2 tablet"))
    unit = forms.CharField(
        label=_("Store code"), max_length=80, help_text=_("The unit its answers count for.")
    )
    touchpoint = forms.ChoiceField(label=_("Touchpoint"))
    locale = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("The tablet's language")), *settings.LANGUAGES],
    )


class WidgetKeyForm(SetupForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. Online shop"))
    touchpoint = forms.ChoiceField(
        label=_("Touchpoint"), help_text=_("A touchpoint whose channel is the website widget.")
    )
    unit = forms.CharField(
        label=_("Unit code"), max_length=80, help_text=_("The unit anonymous answers count for.")
    )
    origins = forms.CharField(
        label=_("Allowed origins"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, e.g. https://shop.example.com (scheme, host and port)."),
    )


class ApiKeyForm(SetupForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. Point of sale"))
    unit = forms.CharField(
        label=_("Limited to unit (code)"),
        required=False,
        max_length=80,
        help_text=_(
            "Empty: the whole account (and setup). A unit: its part of the tree only, and no setup."
        ),
    )


class WebhookForm(SetupForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Endpoint.Kind.choices)
    url = forms.URLField(label=_("Address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        choices=list(EVENTS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every Touchpoint event."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class SmsForm(SetupForm):
    account_sid = forms.CharField(
        label=_("Account SID"), max_length=34, help_text=_("From the Twilio console: AC…")
    )
    auth_token = forms.CharField(
        label=_("Auth token"),
        required=False,
        max_length=64,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Write-only. Leave empty to keep the stored one."),
    )
    from_number = forms.CharField(
        label=_("Sender number"),
        required=False,
        max_length=20,
        help_text=_("E.164, e.g. +447700900123; or leave empty and give a messaging service."),
    )
    messaging_service_sid = forms.CharField(
        label=_("Messaging service SID"), required=False, max_length=34
    )
    is_active = forms.BooleanField(label=_("Send SMS"), required=False, initial=True)


class UnitFileForm(forms.Form):
    file = forms.FileField(
        label=_("Unit file (CSV)"),
        help_text=_("code, name, kind, parent, time_zone, managers, attribute.<name>"),
    )
    close_missing = forms.BooleanField(
        label=_("Close units missing from the file"),
        required=False,
        help_text=_("Closed units keep their history. Off: they are only listed."),
    )
    remove_missing_members = forms.BooleanField(
        label=_("Remove people missing from a unit's managers"),
        required=False,
        help_text=_("Admins are never removed by a file. Off: they are only listed."),
    )


class SuppressionForm(SetupForm):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("email", _("Email")), ("sms", _("SMS"))]
    )
    address = forms.CharField(
        label=_("Email address or number"),
        max_length=254,
        help_text=_("A number in E.164 form, e.g. +34600111222."),
    )
    detail = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("Why, for the next person who reads the list."),
    )


class FeedbackKeyForm(SetupForm):
    name = forms.CharField(
        label=_("Provider"), max_length=100, help_text=_("e.g. Amazon SES, Postmark, Twilio")
    )
