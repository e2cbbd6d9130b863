"""The kiosk page: the question, large; a thank-you; back to the question by itself."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from touchpoint.kiosks.actions import TooManyAnswers, access_kiosk, do_record_kiosk_answer
from touchpoint.lib.languages import accepted_languages
from touchpoint.responses.actions import InvalidAnswer
from touchpoint.surveys.wording import defaults_for, language_for, wording_for

# Seconds of inactivity after which a half-answered question is cleared for the next customer.
IDLE_SECONDS = 60


def _texts(request: HttpRequest, kiosk) -> tuple[str, dict]:
    accept = accepted_languages(request.headers.get("Accept-Language", ""))
    lang = language_for(kiosk.locale, *accept, kiosk.account.default_locale)
    texts = wording_for(kiosk.touchpoint, lang, brand=kiosk.account.name, unit=kiosk.unit.name)
    return lang, texts


def _gone(request: HttpRequest) -> HttpResponse:
    lang = language_for(*accepted_languages(request.headers.get("Accept-Language", "")))
    return render(
        request, "front/closed.html", {"lang": lang, "texts": defaults_for(lang)}, status=404
    )


# The secret link is the credential, as for an unsubscribe link: a forged cross-site post
# would need the token. Without a CSRF cookie to lose, an unattended tablet whose browser
# drops cookies keeps working instead of showing a 403.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, token: str) -> HttpResponse:
    found = access_kiosk(token)
    if found is None:
        return _gone(request)
    lang, texts = _texts(request, found)
    error, status = "", 200
    selected, comment = request.POST.get("score"), request.POST.get("comment", "")
    answer_id = request.POST.get("answer_id", "")
    if not (answer_id.isascii() and answer_id.isalnum() and len(answer_id) <= 64):
        answer_id = ""
    if request.method == "POST":
        try:
            do_record_kiosk_answer(
                kiosk=found, score=selected, comment=comment, locale=lang, key=answer_id
            )
        except InvalidAnswer as invalid:
            error = texts["choose"] if invalid.field == "score" else str(invalid)
            status = 400
        except TooManyAnswers:
            return render(
                request,
                "kiosks/busy.html",
                {"lang": lang, "texts": texts, "kiosk": found, "seconds": 20},
                status=429,
            )
        else:
            return redirect("kiosk-thanks", token=token)
    context = {
        "lang": lang,
        "texts": texts,
        "kiosk": found,
        "scores": [str(n) for n in range(11)],
        "selected": selected,
        "comment": comment,
        "error": error,
        "idle_seconds": IDLE_SECONDS,
        # This answer's own id: a double tap on "send" stores it once.
        "answer_id": answer_id or secrets.token_hex(16),
    }
    return render(request, "kiosks/kiosk.html", context, status=status)


@never_cache
def kiosk_thanks(request: HttpRequest, token: str) -> HttpResponse:
    found = access_kiosk(token)
    if found is None:
        return _gone(request)
    lang, texts = _texts(request, found)
    return render(
        request,
        "kiosks/thanks.html",
        {"lang": lang, "texts": texts, "kiosk": found, "seconds": settings.KIOSK_THANKS_SECONDS},
    )
