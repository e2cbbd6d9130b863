"""The website widget's public endpoints, under /w/v1/<publishable key>/.

Each request passes, in order: a known, unrevoked key (401), an Origin the key allows (403;
preflights are answered here too), the shared rate limit per key and client address (429),
then input validation (400 malformed JSON, 413 too large, 422 with the field at fault).
Nothing is stored before all of these pass. Answers carry CORS headers for the allowed
origin only; no cookie is read or set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from touchpoint.intake.actions import do_ask_now
from touchpoint.intake.schemas import ContactIn, field_errors
from touchpoint.lib.languages import accepted_languages
from touchpoint.ratelimits import actions as ratelimits
from touchpoint.responses.actions import (
    InvalidAnswer,
    do_answer_anonymously,
    do_answer_invitation,
)
from touchpoint.surveys.models import Channel
from touchpoint.surveys.tokens import access_open_invitation
from touchpoint.surveys.wording import direction, language_for, wording_for
from touchpoint.widget.actions import (
    access_publishable_key,
    access_widget_touchpoint,
)
from touchpoint.widget.models import PublishableKey

MAX_BODY = 16 * 1024
WIDGET_TEXTS = [
    "question",
    "low",
    "high",
    "out_of_ten",
    "widget_label",
    "widget_comment",
    "widget_skip",
    "send",
    "thanks",
    "close",
    "widget_error",
    "context",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ImpressionIn(_Strict):
    touchpoint: Annotated[str, Field(max_length=60)] = ""
    contact: ContactIn | None = None
    url: Annotated[str, Field(max_length=2000)] = ""


class AnswerIn(_Strict):
    touchpoint: Annotated[str, Field(max_length=60)] = ""
    token: Annotated[str, Field(max_length=64)] = ""
    score: Annotated[StrictInt, Field(ge=0, le=10)]
    comment: str = ""  # checked by the answer door, like every other comment
    lang: Annotated[str, Field(max_length=16)] = ""
    url: Annotated[str, Field(max_length=2000)] = ""
    # The widget's id for this answer: sending it again (a retry) changes nothing.
    id: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")] = ""


def _error(status: int, error: str, detail, origin: str = "") -> HttpResponse:
    response = JsonResponse({"error": error, "detail": detail}, status=status)
    return _cors(response, origin) if origin else response


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def widget_endpoint(methods: tuple[str, ...]) -> Callable:
    """Key, origin, preflight and rate limit, in that order, before the view runs."""

    def wrap(view: Callable) -> Callable:
        @csrf_exempt
        def inner(request: HttpRequest, key: str) -> HttpResponse:
            publishable = access_publishable_key(key)
            if publishable is None:
                return _error(401, "unknown_key", "This publishable key is unknown or revoked.")
            origin = request.headers.get("Origin", "").rstrip("/")
            if not origin and request.headers.get("Sec-Fetch-Site") == "same-origin":
                # Browsers send no Origin on a same-origin GET (the demo shop page).
                origin = f"{request.scheme}://{request.get_host()}"
            if origin not in publishable.origins:
                return _error(
                    403,
                    "origin_not_allowed",
                    f"Origin {origin or '(none)'} is not allowed for this key; add it to the "
                    "key's allowed origins.",
                )
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                response["Access-Control-Allow-Headers"] = "Content-Type"
                response["Access-Control-Max-Age"] = "600"
                return _cors(response, origin)
            if request.method not in methods:
                return _error(405, "method_not_allowed", f"Use {' or '.join(methods)}.", origin)
            client = client_address(request)
            allowed, wait = ratelimits.take(
                f"widget:{publishable.pk}:{client}", limit=settings.WIDGET_RATE_LIMIT
            )
            if not allowed:
                response = _error(429, "rate_limited", f"Too many requests; retry in {wait} s.")
                response["Retry-After"] = str(wait)
                return _cors(response, origin)
            return _cors(view(request, publishable, origin), origin)

        return inner

    return wrap


def client_address(request: HttpRequest) -> str:
    """The visitor's address: behind TRUSTED_PROXIES proxies, the entry they added last."""
    hops = settings.TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    if hops and len(forwarded) >= hops and forwarded[-hops]:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _body(request: HttpRequest, schema: type[BaseModel], origin: str):
    if len(request.body) > MAX_BODY:
        return None, _error(413, "too_large", "The body is over 16 KB.", origin)
    try:
        data = json.loads(request.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        return None, _error(400, "malformed_json", f"The body is not JSON: {error}", origin)
    try:
        return schema.model_validate(data), None
    except ValidationError as error:
        return None, _error(422, "invalid_request", field_errors(error), origin)


def _unknown_touchpoint(origin: str) -> HttpResponse:
    return _error(
        422,
        "invalid_request",
        [{"field": "touchpoint", "message": "is not a website-widget touchpoint of this account"}],
        origin,
    )


@widget_endpoint(("GET",))
def config(request: HttpRequest, key: PublishableKey, origin: str) -> HttpResponse:
    """When to ask (the touchpoint's widget rules) and the words, in the visitor's language."""
    touchpoint = access_widget_touchpoint(key, request.GET.get("touchpoint", ""))
    if touchpoint is None:
        return _unknown_touchpoint(origin)
    accept = accepted_languages(request.headers.get("Accept-Language", ""))
    lang = language_for(request.GET.get("lang", ""), *accept, key.account.default_locale)
    texts = wording_for(touchpoint, lang, brand=key.account.name, unit=key.unit.name)
    rules = touchpoint.widget_rules or {}
    return JsonResponse(
        {
            "touchpoint": touchpoint.slug,
            "active": touchpoint.is_active,
            "lang": lang,
            "dir": direction(lang),
            "quarantine_days": touchpoint.effective_quarantine_days,
            "rules": {
                "delay_seconds": rules.get("delay_seconds", 0),
                "min_page_views": rules.get("min_page_views", 0),
                "url_patterns": rules.get("url_patterns", []),
            },
            "texts": {name: texts[name] for name in WIDGET_TEXTS},
        }
    )


@widget_endpoint(("POST",))
def impressions(request: HttpRequest, key: PublishableKey, origin: str) -> HttpResponse:
    """The widget is about to ask. For an identified visitor the server decides (opt-out,
    sampling, quarantine across every channel) and, on yes, returns the invitation's token;
    an anonymous visitor is only remembered by the browser."""
    given, failed = _body(request, ImpressionIn, origin)
    if failed:
        return failed
    touchpoint = access_widget_touchpoint(key, given.touchpoint)
    if touchpoint is None:
        return _unknown_touchpoint(origin)
    if not touchpoint.is_active:
        return JsonResponse({"ask": False, "reason": "touchpoint_inactive", "token": None})
    if given.contact is None:
        return JsonResponse({"ask": True, "reason": "", "token": None})
    decision = do_ask_now(
        key.account,
        touchpoint=touchpoint,
        unit=key.unit,
        contact=given.contact,
        properties={"page": given.url} if given.url else {},
    )
    return JsonResponse(
        {
            "ask": decision.ask,
            "reason": decision.reason,
            "token": decision.token,
        },
        status=201,
    )


@widget_endpoint(("POST",))
def responses(request: HttpRequest, key: PublishableKey, origin: str) -> HttpResponse:
    """Store an answer: to the invitation whose token the widget got, or anonymously for the
    key's touchpoint and unit."""
    given, failed = _body(request, AnswerIn, origin)
    if failed:
        return failed
    lang = language_for(given.lang) if given.lang else ""
    if given.token:
        invitation = access_open_invitation(given.token)
        if (
            invitation is None
            or invitation.account_id != key.account_id
            or invitation.channel != Channel.WIDGET
        ):
            return _error(
                422,
                "invalid_request",
                [{"field": "token", "message": "is unknown, expired or not for this widget"}],
                origin,
            )
        try:
            response, created = do_answer_invitation(
                invitation, score=given.score, comment=given.comment, locale=lang
            )
        except InvalidAnswer as invalid:
            return _error(
                422, "invalid_request", [{"field": invalid.field, "message": str(invalid)}], origin
            )
        return JsonResponse({"id": response.pk}, status=201 if created else 200)
    touchpoint = access_widget_touchpoint(key, given.touchpoint)
    if touchpoint is None:
        return _unknown_touchpoint(origin)
    try:
        response, created = do_answer_anonymously(
            touchpoint=touchpoint,
            unit=key.unit,
            channel=Channel.WIDGET,
            score=given.score,
            comment=given.comment,
            locale=lang,
            key=f"widget:{key.pk}:{given.id}" if given.id else "",
        )
    except InvalidAnswer as invalid:
        return _error(
            422, "invalid_request", [{"field": invalid.field, "message": str(invalid)}], origin
        )
    return JsonResponse({"id": response.pk}, status=201 if created else 200)


def demo_shop(request: HttpRequest) -> HttpResponse:
    """A make-believe shop page that embeds the widget as a customer's site would (DEBUG or
    the demo only)."""
    if not (settings.DEBUG or settings.DEV_OUTBOX):
        raise Http404
    key = (
        PublishableKey.objects.filter(revoked_at__isnull=True, name="Demo shop")
        .order_by("pk")
        .first()
    )
    page = request.GET.get("page", "home")
    return render(
        request,
        "widget/demo_shop.html",
        {"key": key, "page": page, "dialog": request.GET.get("dialog") == "1"},
    )
