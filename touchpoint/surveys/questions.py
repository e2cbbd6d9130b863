"""Follow-up questions of a survey rule: their shape, who sees them, and checking answers.

A question is a dict in `Touchpoint.questions`:

    {"key": "reasons", "type": "multiple_choice", "text": "Why are you leaving?",
     "options": [{"key": "price", "label": "Price"}, ...],
     "show_to": ["detractor", "passive"], "required": false, "retired": false}

`key` is stable: answers are stored under it in `Response.answers`, so wording can change
without breaking reports. A question whose key has answers is never deleted, only retired:
no longer asked, its answers kept and still readable. `text` and option labels are a string
(an English message the catalogues translate, or the account's own words) or
{"en": ..., "fr": ...}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from touchpoint.lib import nps

TYPES = ("text", "single_choice", "multiple_choice", "scale")
CATEGORIES = ("promoter", "passive", "detractor")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 2000
SCALE = range(1, 6)


class QuestionError(ValueError):
    """A survey rule whose questions or widget rules cannot be used, said in the active
    language: `field` is the part at fault (key, type, text, show_to, required, retired,
    options), `question` its question's number (from 1), `problem` the message without it."""

    def __init__(self, problem: str, *, question: int | None = None, field: str = "") -> None:
        self.problem, self.question, self.field = problem, question, field
        super().__init__(
            _("question %(n)s: %(problem)s") % {"n": question, "problem": problem}
            if question is not None
            else problem
        )


def check_questions(questions: Any) -> None:
    """Raise QuestionError naming the first problem of a rule's follow-up questions."""
    if not isinstance(questions, list):
        raise QuestionError(_("must be a list of questions"))
    seen: set[str] = set()
    for n, q in enumerate(questions, start=1):
        if not isinstance(q, dict):
            raise QuestionError(_("must be an object"), question=n)
        key = q.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise QuestionError(
                _("key must be lower-case letters, digits or _"), question=n, field="key"
            )
        if key in seen or key in ("score", "comment"):
            raise QuestionError(
                _("key %(key)s is used twice or reserved") % {"key": repr(key)},
                question=n,
                field="key",
            )
        seen.add(key)
        if q.get("type") not in TYPES:
            raise QuestionError(
                _("type must be one of %(types)s") % {"types": ", ".join(TYPES)},
                question=n,
                field="type",
            )
        if not _is_text(q.get("text")):
            raise QuestionError(
                _("text must be a string or {language: string}"), question=n, field="text"
            )
        if not isinstance(q.get("required", False), bool):
            raise QuestionError(_("required must be true or false"), question=n, field="required")
        if not isinstance(q.get("retired", False), bool):
            raise QuestionError(_("retired must be true or false"), question=n, field="retired")
        show_to = q.get("show_to", list(CATEGORIES))
        if not isinstance(show_to, list) or not set(show_to) <= set(CATEGORIES):
            raise QuestionError(
                _("show_to takes promoter, passive and detractor"), question=n, field="show_to"
            )
        if q["type"] in ("single_choice", "multiple_choice"):
            options = q.get("options")
            if not isinstance(options, list) or not options:
                raise QuestionError(_("a choice needs options"), question=n, field="options")
            keys = [o.get("key") if isinstance(o, dict) else None for o in options]
            if any(not isinstance(k, str) or not KEY_RE.match(k) for k in keys):
                raise QuestionError(
                    _("each option needs a key (lower-case, digits, _)"),
                    question=n,
                    field="options",
                )
            if len(set(keys)) != len(keys):
                raise QuestionError(_("option keys repeat"), question=n, field="options")
            if any(not _is_text(o.get("label")) for o in options):
                raise QuestionError(_("each option needs a label"), question=n, field="options")


def check_widget_rules(rules: Any) -> None:
    if not isinstance(rules, dict):
        raise QuestionError(_("must be an object"))
    for name in ("delay_seconds", "min_page_views"):
        value = rules.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 86400:
            raise QuestionError(_("%(name)s must be a whole number from 0") % {"name": name})
    patterns = rules.get("url_patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise QuestionError(_('url_patterns must be a list such as ["/shop/*"]'))
    unknown = set(rules) - {"delay_seconds", "min_page_views", "url_patterns"}
    if unknown:
        raise QuestionError(_("unknown rule %(name)s") % {"name": repr(sorted(unknown)[0])})


def _is_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def localise(value: str | Mapping[str, str], lang: str) -> str:
    """The words in `lang`: the account's own per-language text, else the catalogue's
    translation of the English text, else the English (or any) text."""
    if isinstance(value, Mapping):
        if value.get(lang):
            return value[lang]
        if not value.get("en"):
            return next(iter(value.values()))
        value = value["en"]
    with translation.override(lang):
        return translation.gettext(value)


def active_questions(questions: Sequence[dict]) -> list[dict]:
    """The questions still asked (retired ones keep their answers but are not shown)."""
    return [q for q in questions if not q.get("retired")]


def questions_for(questions: Sequence[dict], score: int, lang: str) -> list[dict]:
    """The questions a respondent with this score sees, in their language, ready to render."""
    category = nps.classify(score)
    out = []
    for q in active_questions(questions):
        if category not in q.get("show_to", CATEGORIES):
            continue
        shown = {
            "key": q["key"],
            "type": q["type"],
            "text": localise(q["text"], lang),
            "required": bool(q.get("required")),
        }
        if q["type"] in ("single_choice", "multiple_choice"):
            shown["options"] = [
                {"key": o["key"], "label": localise(o["label"], lang)} for o in q["options"]
            ]
        if q["type"] == "scale":
            shown["options"] = [{"key": str(n), "label": str(n)} for n in SCALE]
        out.append(shown)
    return out


@dataclass
class Checked:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # question key: message


def check_answers(shown: Sequence[dict], given: Mapping[str, Any], lang: str) -> Checked:
    """Validate answers to the questions shown (from `questions_for`).

    `given` maps a question key to a string, or a list of strings for a multiple choice (a
    form's getlist or JSON). Unknown keys are ignored; messages are in the respondent's
    language.
    """
    out = Checked()
    with translation.override(lang):
        _ = translation.gettext
        for q in shown:
            key, raw = q["key"], given.get(q["key"])
            if q["type"] == "multiple_choice":
                values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
                values = [str(v) for v in values]
                allowed = {o["key"] for o in q["options"]}
                if any(v not in allowed for v in values):
                    out.errors[key] = _("Choose among the options shown.")
                elif q["required"] and not values:
                    out.errors[key] = _("Please answer this question.")
                elif values:
                    out.answers[key] = sorted(
                        set(values), key=[o["key"] for o in q["options"]].index
                    )
                continue
            if isinstance(raw, list | dict):
                out.errors[key] = _("Please answer this question.")
                continue
            value = "" if raw is None else str(raw).strip()
            if not value:
                if q["required"]:
                    out.errors[key] = _("Please answer this question.")
                continue
            if q["type"] == "text":
                if len(value) > MAX_TEXT:
                    out.errors[key] = _("Please keep your answer under 2,000 characters.")
                else:
                    out.answers[key] = value
            elif q["type"] == "single_choice":
                if value not in {o["key"] for o in q["options"]}:
                    out.errors[key] = _("Choose one of the options shown.")
                else:
                    out.answers[key] = value
            elif q["type"] == "scale":
                if not (value.isascii() and value.isdigit()) or int(value) not in SCALE:
                    out.errors[key] = _("Choose a number from 1 to 5.")
                else:
                    out.answers[key] = int(value)
    return out


@dataclass(frozen=True)
class LabelledAnswer:
    key: str
    question: str  # the question's words (its key when the question no longer exists)
    answer: str  # option labels, "4 / 5", or the text given


def labelled_answers(questions: Sequence[dict], answers: Mapping[str, Any], lang: str = "en"):
    """A response's follow-up answers as people read them: each question's words and the
    labels of the options chosen, in `lang`, in the order the survey asks them. An answer to
    a question since removed keeps its key and raw value."""
    by_key = {q.get("key"): q for q in questions if isinstance(q, dict)}
    order = [q.get("key") for q in questions if isinstance(q, dict)]
    out = []
    for key in sorted(answers, key=lambda k: (order.index(k) if k in order else len(order), k)):
        value = answers[key]
        q = by_key.get(key)
        if q is None:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            out.append(LabelledAnswer(key, key, shown))
            continue
        labels = {o["key"]: localise(o["label"], lang) for o in q.get("options") or []}
        if isinstance(value, list):
            shown = ", ".join(labels.get(str(v), str(v)) for v in value)
        elif q["type"] == "scale":
            shown = f"{value} / {max(SCALE)}"
        else:
            shown = labels.get(str(value), str(value))
        out.append(LabelledAnswer(key, localise(q["text"], lang), shown))
    return out
