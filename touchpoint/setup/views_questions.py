"""The question builder: a touchpoint's follow-up questions, added, edited, reordered, retired
or deleted (only while nobody answered them), all through `rules.do_save_touchpoint`, which
keeps an answered question's key, type and chosen options for good."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from touchpoint.accounts.models import Account
from touchpoint.setup import forms, rules
from touchpoint.setup.audit import SetupError
from touchpoint.setup.views import access_touchpoint, page, setup_view
from touchpoint.surveys.questions import QuestionError, check_questions, localise


def question_errors(question: dict, others: list[dict]) -> dict[str, str]:
    """This question's problems, by builder field."""
    errors: dict[str, str] = {}
    try:
        check_questions([question])
    except QuestionError as error:
        errors[error.field or "key"] = error.problem
    if question.get("key") in {q.get("key") for q in others}:
        errors["key"] = _("another question already uses this key")
    return errors


@setup_view
def touchpoint_questions(request: HttpRequest, account: Account, slug: str) -> HttpResponse:
    touchpoint = access_touchpoint(account, slug)
    questions = [dict(q) for q in touchpoint.questions]
    keys = [q["key"] for q in questions]
    answered = rules.answered_keys(touchpoint, set(keys))
    editing = request.GET.get("edit", "")
    errors: dict[str, str] = {}
    fields = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        key = request.POST.get("original_key", "")
        index = keys.index(key) if key in keys else None
        new = list(questions)
        if action == "save":
            count = min(int(request.POST.get("option_count", "0") or 0), 50)
            question = forms.question_from_post(request.POST, count=count)
            if index is not None and key in answered and question["key"] != key:
                errors["key"] = _("this question has answers: its key stays %(key)s") % {"key": key}
            errors = errors or question_errors(
                question, [q for n, q in enumerate(questions) if n != index]
            )
            if index is None:
                new.append(question)
            else:
                new[index] = question
            editing = key or "new"
            fields = forms.question_fields(question, extra=1)
        elif index is None:
            messages.error(request, _("No such question."))
            return redirect("setup-questions", slug=slug)
        elif action in ("up", "down"):
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(new):
                new[index], new[other] = new[other], new[index]
        elif action in ("retire", "restore"):
            new[index] = {**new[index], "retired": action == "retire"}
            if action == "restore":
                new[index].pop("retired")
        elif action == "delete":
            new.pop(index)
        if not errors:
            try:
                rules.do_save_touchpoint(
                    account=account,
                    by=request.user,
                    touchpoint=touchpoint,
                    values={"questions": new},
                )
            except SetupError as error:
                if action != "save":
                    messages.error(request, " ".join(error.errors.values()))
                    return redirect("setup-questions", slug=slug)
                errors = {"key": " ".join(error.errors.values())}
            else:
                messages.success(request, _("Saved the questions."))
                return redirect(reverse("setup-questions", args=[slug]))
    if fields is None and editing:
        current = next((q for q in questions if q["key"] == editing), None)
        fields = forms.question_fields(current)
    rows = [
        {
            "q": q,
            "text": localise(q.get("text") or "?", "en"),
            "answered": q["key"] in answered,
            "first": n == 0,
            "last": n == len(questions) - 1,
        }
        for n, q in enumerate(questions)
    ]
    return page(
        request,
        "setup/touchpoint_questions.html",
        {
            "account": account,
            "touchpoint": touchpoint,
            "tab": "questions",
            "rows": rows,
            "editing": editing,
            "fields": fields,
            "errors": errors,
            "key_locked": editing in answered,
            "types": forms.QUESTION_TYPES,
            "categories": forms.CATEGORY_LABELS,
            "languages": forms.LANGUAGES,
        },
        status=400 if errors else 200,
    )
