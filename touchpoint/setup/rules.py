"""Touchpoints as a CX team edits them: the survey rule, wording per language, follow-up
questions, activation, the ticket rule and root causes. Each `do_*` checks everything first,
changes nothing when anything is wrong (SetupError names every field at fault), and records
the change with its before and after."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from touchpoint.accounts.models import Account
from touchpoint.responses.models import Response
from touchpoint.setup.audit import SetupError, record_change
from touchpoint.setup.models import SetupChange
from touchpoint.surveys.models import Channel, Touchpoint
from touchpoint.surveys.questions import QuestionError, check_questions, check_widget_rules
from touchpoint.surveys.wording import SUPPORTED
from touchpoint.tickets.models import RootCause, TicketRule

Subject = SetupChange.Subject

# The wording a team may change per language, in the order the editor shows them.
WORDING_KEYS: dict[str, Any] = {
    "subject": gettext_lazy("Email subject"),
    "greeting": gettext_lazy("Greeting (when the name is known)"),
    "context": gettext_lazy("Context sentence"),
    "question": gettext_lazy("The 0 to 10 question"),
    "click": gettext_lazy("Under the scores in the email"),
    "low": gettext_lazy("Label of 0"),
    "high": gettext_lazy("Label of 10"),
    "why": gettext_lazy("Comment question"),
    "why_hint": gettext_lazy("Comment hint"),
    "send": gettext_lazy("Send button"),
    "more": gettext_lazy("Heading of the follow-up questions"),
    "thanks": gettext_lazy("Thank-you heading"),
    "thanks_detail": gettext_lazy("Thank-you text"),
    "footer": gettext_lazy("Email footer"),
}
PLACEHOLDERS = ("brand", "unit", "name")
MAX_WORDING = {"subject": 200}
DELIVERED = (Channel.EMAIL, Channel.SMS)
# The rule's fields as plain values: what the API shows and the audit compares.
RULE_FIELDS = (
    "slug",
    "name",
    "kind",
    "is_active",
    "channel",
    "fallback_channel",
    "delay_minutes",
    "quiet_hours_start",
    "quiet_hours_end",
    "expiry_days",
    "sampling_rate",
    "quarantine_days",
    "reminder_count",
    "reminder_after_days",
    "widget_rules",
    "wording",
    "questions",
)


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def rule_data(touchpoint: Touchpoint) -> dict[str, Any]:
    """The survey rule as JSON values (minutes, "21:00", a 0 to 1 rate)."""
    return {
        "slug": touchpoint.slug,
        "name": touchpoint.name,
        "kind": touchpoint.kind,
        "is_active": touchpoint.is_active,
        "channel": touchpoint.channel,
        "fallback_channel": touchpoint.fallback_channel,
        "delay_minutes": int(touchpoint.delay.total_seconds() // 60),
        "quiet_hours_start": _hhmm(touchpoint.quiet_hours_start),
        "quiet_hours_end": _hhmm(touchpoint.quiet_hours_end),
        "expiry_days": touchpoint.expiry_days,
        "sampling_rate": float(touchpoint.sampling_rate),
        "quarantine_days": touchpoint.quarantine_days,
        "reminder_count": touchpoint.reminder_count,
        "reminder_after_days": touchpoint.reminder_after_days,
        "widget_rules": dict(touchpoint.widget_rules),
        "wording": {lang: dict(texts) for lang, texts in touchpoint.wording.items()},
        "questions": [dict(q) for q in touchpoint.questions],
    }


# --- checks -----------------------------------------------------------------------------------


def check_wording(wording: Any) -> dict[str, str]:
    """Errors of a wording map {lang: {key: text}}, keyed "wording.de.subject"."""
    if not isinstance(wording, dict):
        return {"wording": _("must be an object of languages")}
    errors: dict[str, str] = {}
    for lang, texts in wording.items():
        where = f"wording.{lang}"
        if lang not in SUPPORTED:
            errors[where] = _("%(lang)s is not a survey language (%(known)s)") % {
                "lang": lang,
                "known": ", ".join(SUPPORTED),
            }
            continue
        if not isinstance(texts, dict):
            errors[where] = _("must be an object of texts")
            continue
        for key, text in texts.items():
            field = f"{where}.{key}"
            if key not in WORDING_KEYS:
                errors[field] = _("unknown text; the texts are: %(keys)s") % {
                    "keys": ", ".join(WORDING_KEYS)
                }
            elif not isinstance(text, str):
                errors[field] = _("must be text")
            elif len(text) > MAX_WORDING.get(key, 1000):
                errors[field] = _("is longer than %(n)s characters") % {
                    "n": MAX_WORDING.get(key, 1000)
                }
            elif message := _placeholder_error(text):
                errors[field] = message
    return errors


def _placeholder_error(text: str) -> str:
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return _("braces must pair: write {brand}, {unit} or {name}")
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        return _("{%(name)s} is not a placeholder: use {brand}, {unit} or {name}") % {
            "name": unknown[0]
        }
    return ""


def clean_wording(wording: dict) -> dict:
    """Blank texts mean "the built-in words": they are dropped, and so are empty languages."""
    out = {}
    for lang, texts in wording.items():
        if not isinstance(texts, dict) or lang not in SUPPORTED:
            out[lang] = texts  # kept as given, for check_wording to refuse
            continue
        kept = {k: v.strip() if isinstance(v, str) else v for k, v in texts.items()}
        kept = {k: v for k, v in kept.items() if v != ""}
        if kept:
            out[lang] = kept
    return out


def answered_keys(touchpoint: Touchpoint, keys: set[str]) -> set[str]:
    """Which of these question keys already have answers for this touchpoint."""
    if touchpoint.pk is None:
        return set()
    answers = Response.objects.filter(touchpoint=touchpoint)
    return {key for key in keys if answers.filter(answers__has_key=key).exists()}


def _option_keys_answered(touchpoint: Touchpoint, key: str, options: set[str]) -> set[str]:
    """Option keys of a choice question that some answer chose."""
    found: set[str] = set()
    rows = Response.objects.filter(touchpoint=touchpoint, answers__has_key=key)
    for answers in rows.values_list("answers", flat=True).iterator(chunk_size=2000):
        value = answers.get(key)
        found |= set(value) if isinstance(value, list) else {str(value)}
        if options <= found:
            break
    return found & options


def check_question_changes(
    touchpoint: Touchpoint, stored: list[dict], new: list[dict]
) -> dict[str, str]:
    """A question with answers keeps its key and type, and its chosen options, for good:
    it can be reworded, moved or retired, never deleted. `stored`: the questions as saved."""
    old = {q["key"]: q for q in stored if isinstance(q, dict) and "key" in q}
    new_by_key = {q.get("key"): (n, q) for n, q in enumerate(new) if isinstance(q, dict)}
    errors: dict[str, str] = {}
    answered = answered_keys(touchpoint, set(old))
    for key in sorted(answered):
        if key not in new_by_key:
            errors["questions"] = _(
                "question %(key)s has answers: retire it instead of deleting it"
            ) % {"key": key}
            continue
        n, q = new_by_key[key]
        if q.get("type") != old[key]["type"]:
            errors[f"questions[{n}].type"] = _(
                "question %(key)s has answers, so its type stays %(type)s"
            ) % {"key": key, "type": old[key]["type"]}
        elif old[key]["type"] in ("single_choice", "multiple_choice"):
            dropped = {o["key"] for o in old[key]["options"]} - {
                o.get("key") for o in q.get("options", []) if isinstance(o, dict)
            }
            chosen = _option_keys_answered(touchpoint, key, dropped) if dropped else set()
            if chosen:
                errors[f"questions[{n}].options"] = _(
                    "option %(option)s has answers: keep it (its label may change)"
                ) % {"option": sorted(chosen)[0]}
    return errors


# --- saving -----------------------------------------------------------------------------------


def _field_of(message_field: str) -> str:
    return {"__all__": "quiet_hours_start", "delay": "delay_minutes"}.get(
        message_field, message_field
    )


def check_rule(
    account: Account, touchpoint: Touchpoint, stored_questions: list[dict]
) -> dict[str, str]:
    """Every problem of an (unsaved) touchpoint as edited, by field; `stored_questions` are
    its questions as saved, which answers may hold in place."""
    errors: dict[str, str] = {}
    try:
        touchpoint.full_clean(exclude=["account", "questions", "widget_rules"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors[_field_of(field)] = " ".join(messages)
    clash = Touchpoint.objects.filter(account=account, slug=touchpoint.slug)
    if touchpoint.pk:
        clash = clash.exclude(pk=touchpoint.pk)
    if touchpoint.slug and clash.exists():
        errors["slug"] = _("another touchpoint already uses %(slug)s") % {"slug": touchpoint.slug}
    if touchpoint.fallback_channel:
        if touchpoint.channel not in DELIVERED:
            errors["fallback_channel"] = _("a fallback applies to email and SMS surveys only")
        elif touchpoint.fallback_channel == touchpoint.channel:
            errors["fallback_channel"] = _("choose a channel other than the survey's own")
    if touchpoint.delay > dt.timedelta(days=90):
        errors["delay_minutes"] = _("at most 90 days")
    if (touchpoint.quiet_hours_start is None) != (touchpoint.quiet_hours_end is None):
        errors["quiet_hours_start"] = _("give both a start and an end, or neither")
    elif touchpoint.quiet_hours_start and touchpoint.quiet_hours_start == (
        touchpoint.quiet_hours_end
    ):
        errors["quiet_hours_end"] = _("the end must differ from the start")
    if touchpoint.expiry_days > 365:
        errors["expiry_days"] = _("at most 365 days")
    try:
        check_widget_rules(touchpoint.widget_rules)
    except QuestionError as error:
        errors["widget_rules"] = str(error)
    errors.update(check_wording(touchpoint.wording))
    try:
        check_questions(touchpoint.questions)
    except QuestionError as error:
        errors["questions"] = str(error)
    else:
        errors.update(check_question_changes(touchpoint, stored_questions, touchpoint.questions))
    return errors


def apply_values(touchpoint: Touchpoint, values: dict[str, Any]) -> None:
    """Set edited values (JSON shapes, as `rule_data` gives them) on a touchpoint."""
    for name, value in values.items():
        if name == "delay_minutes":
            touchpoint.delay = dt.timedelta(minutes=value or 0)
        elif name in ("quiet_hours_start", "quiet_hours_end"):
            setattr(
                touchpoint,
                name,
                dt.time.fromisoformat(value) if isinstance(value, str) and value else value or None,
            )
        elif name == "sampling_rate":
            touchpoint.sampling_rate = Decimal(str(value)).quantize(Decimal("0.001"))
        elif name == "wording":
            touchpoint.wording = clean_wording(value) if isinstance(value, dict) else value
        elif name in RULE_FIELDS:
            setattr(touchpoint, name, value)
        else:
            raise SetupError(_("unknown field"), name)


def check_values(
    account: Account, touchpoint: Touchpoint | None, values: dict[str, Any]
) -> tuple[Touchpoint, dict[str, str]]:
    """The touchpoint as it would be with these values (unsaved), and every problem."""
    target = (
        Touchpoint(account=account)
        if touchpoint is None
        else (Touchpoint.objects.get(pk=touchpoint.pk))
    )
    stored_questions = [] if touchpoint is None else list(target.questions)
    apply_values(target, values)
    return target, check_rule(account, target, stored_questions)


def do_save_touchpoint(
    *, account: Account, by, touchpoint: Touchpoint | None, values: dict[str, Any]
) -> Touchpoint:
    """Create a touchpoint (touchpoint=None) or change one; all or nothing."""
    creating = touchpoint is None
    before = {} if creating else rule_data(Touchpoint.objects.get(pk=touchpoint.pk))
    target, errors = check_values(account, touchpoint, values)
    if errors:
        raise SetupError(errors)
    with transaction.atomic():
        target.save()
        record_change(
            account,
            by,
            Subject.TOUCHPOINT,
            "created" if creating else "changed",
            key=target.slug,
            label=target.name,
            before=before,
            after=rule_data(target),
        )
    return target


def do_set_active(*, by, touchpoint: Touchpoint, active: bool) -> None:
    """Activate or pause a touchpoint. Paused, its new interactions get no survey (they are
    recorded as suppressed, reason "touchpoint switched off")."""
    with transaction.atomic():
        changed = Touchpoint.objects.filter(pk=touchpoint.pk, is_active=not active).update(
            is_active=active
        )
        if changed:
            record_change(
                touchpoint.account,
                by,
                Subject.TOUCHPOINT,
                "activated" if active else "paused",
                key=touchpoint.slug,
                label=touchpoint.name,
                before={"is_active": not active},
                after={"is_active": active},
            )
    touchpoint.is_active = active


# --- ticket rule and root causes ------------------------------------------------------------

TICKET_FIELDS = (
    "open_on",
    "keywords",
    "priority",
    "first_response_hours",
    "resolution_hours",
    "escalate",
    "follow_up",
)


def ticket_rule_of(touchpoint: Touchpoint) -> TicketRule:
    return TicketRule.objects.filter(touchpoint=touchpoint).first() or TicketRule(
        touchpoint=touchpoint
    )


def ticket_rule_data(rule: TicketRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in TICKET_FIELDS}


def do_save_ticket_rule(*, by, touchpoint: Touchpoint, values: dict[str, Any]) -> TicketRule:
    rule = ticket_rule_of(touchpoint)
    before = ticket_rule_data(rule)
    for name, value in values.items():
        if name not in TICKET_FIELDS:
            raise SetupError(_("unknown field"), name)
        setattr(rule, name, value)
    errors: dict[str, str] = {}
    try:
        rule.full_clean(exclude=["touchpoint"])
    except ValidationError as error:
        errors = {k: " ".join(v) for k, v in error.message_dict.items()}
    for name in ("first_response_hours", "resolution_hours"):
        value = getattr(rule, name)
        if name not in errors and not (isinstance(value, int) and 1 <= value <= 24 * 90):
            errors[name] = _("a whole number of hours from 1 to 2160")
    if not errors and rule.resolution_hours < rule.first_response_hours:
        errors["resolution_hours"] = _("cannot be shorter than the first-response time")
    if rule.open_on == TicketRule.OpenOn.KEYWORDS_ONLY and not rule.keyword_list:
        errors["keywords"] = _("give at least one word, or open tickets on scores")
    if errors:
        raise SetupError(errors)
    with transaction.atomic():
        rule.save()
        record_change(
            touchpoint.account,
            by,
            Subject.TICKET_RULE,
            "changed",
            key=touchpoint.slug,
            label=touchpoint.name,
            before=before,
            after=ticket_rule_data(rule),
        )
    return rule


def do_save_root_cause(
    *, account: Account, by, cause: RootCause | None, code: str, name: str, is_active: bool = True
) -> RootCause:
    """Add a root cause, or rename / switch one off. Its code stays: tickets and the API use
    it. A cause in use is never deleted, only switched off."""
    creating = cause is None
    target = cause or RootCause(account=account, code=code)
    before = {} if creating else {"name": target.name, "is_active": target.is_active}
    target.name, target.is_active = (name or "").strip(), is_active
    errors: dict[str, str] = {}
    try:
        target.full_clean(exclude=["account"], validate_constraints=False)
    except ValidationError as error:
        errors = {k: " ".join(v) for k, v in error.message_dict.items()}
    if creating and RootCause.objects.filter(account=account, code=code).exists():
        errors["code"] = _("another root cause already uses %(code)s") % {"code": code}
    if errors:
        raise SetupError(errors)
    with transaction.atomic():
        target.save()
        record_change(
            account,
            by,
            Subject.ROOT_CAUSE,
            "created" if creating else "changed",
            key=target.code,
            label=target.name,
            before=before,
            after={"name": target.name, "is_active": target.is_active},
        )
    return target
