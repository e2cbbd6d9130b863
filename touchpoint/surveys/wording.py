"""What the customer reads, per language. A touchpoint's `wording` overrides any key.

Every built-in text is an English gettext message; the translations are the catalogues in
`touchpoint/locale/<lang>/LC_MESSAGES/django.po` (compiled `.mo` files are committed). A new
respondent-facing text (SMS, kiosk...) is added here or marked with gettext where it is used,
then given a line in each `.po`; `tests/test_languages.py` fails while a language lacks it.

Placeholders: {brand} (the account), {unit} (the responsible unit's name), {name} (the
contact's name, in the greeting).

The closed loop reuses these texts: a manager's reply and the follow-up after a resolved ticket
reach the customer in the language they answered the survey in (`tickets.actions.customer_texts`).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop as _

from touchpoint.surveys.models import Touchpoint

K = Touchpoint.Kind

TEXTS: dict[str, str] = {
    "greeting": _("Hello {name},"),
    "subject": _("How likely are you to recommend {brand}?"),
    "question": _("How likely are you to recommend {brand} to a friend or colleague?"),
    "low": _("Not at all likely"),
    "high": _("Extremely likely"),
    "out_of_ten": _("{score} out of 10"),
    "why": _("What is the main reason for your score?"),
    "why_hint": _("Optional. Your words go straight to the team concerned."),
    "send": _("Send my answer"),
    "change": _("You can change your answer until the survey closes."),
    "thanks": _("Thank you for your answer!"),
    "thanks_detail": _("We read every comment and use it to do better."),
    "choose": _("Choose a score from 0 to 10."),
    "comment_too_long": _("Please keep your comment under 10,000 characters."),
    "closed": _("This survey is closed"),
    "closed_detail": _("The link may have expired. Thank you all the same."),
    "click": _("Click a number to answer. It takes a few seconds."),
    "unsubscribe": _("Stop receiving surveys from {brand}"),
    "unsubscribe_confirm": _("Stop all survey invitations from {brand}?"),
    "unsubscribe_button": _("Unsubscribe"),
    "unsubscribed": _("You will not receive any more surveys from {brand}."),
    "footer": _("You received this because of your recent contact with {brand}."),
    # A reminder, on the invitation's channel, to someone who has not answered yet.
    "reminder_subject": _("A reminder: how likely are you to recommend {brand}?"),
    "reminder_intro": _("We would still love to hear from you: it takes a few seconds."),
    # Follow-up questions, after the score.
    "more": _("A few more questions"),
    "more_hint": _("Optional unless marked required. Thank you for your time."),
    "required": _("required"),
    "send_more": _("Send"),
    "fix_errors": _("Please check the answers marked below."),
    "scale_low": _("1 = poor"),
    "scale_high": _("5 = excellent"),
    # The website widget.
    "widget_label": _("A quick question from {brand}"),
    "close": _("Close"),
    "widget_comment": _("Anything you would like to add?"),
    "widget_skip": _("No thanks"),
    "widget_error": _("Sorry, your answer could not be sent. Please try again."),
    # The context line, per kind of touchpoint.
    K.STORE_PURCHASE: _("Thank you for your recent purchase at {unit}."),
    K.SUPPORT_CALL: _("Thank you for calling {brand} customer support."),
    K.REPAIR: _("Your device was repaired at {unit}. We hope it works like new."),
    K.LANDING_PAGE: _("Thank you for visiting {brand}."),
    K.SIGN_UP: _("Welcome to {brand}! Thank you for signing up."),
    K.ONLINE_PURCHASE: _("Thank you for your order from {brand}."),
    K.CONTACT_CHANGE: _("Your contact details have been updated."),
    K.CANCELLATION: _("We are sorry to see you go."),
    K.RELATIONSHIP: _("You have been a {brand} customer for a while."),
    # Closing the loop: a manager's reply to the customer, and the follow-up once the ticket
    # is resolved (its email, the page at /f/<token> and that page's thanks).
    "dear": _("Dear {name},"),
    "hello": _("Hello,"),
    "sign_off": _("Thank you,"),
    "reply_subject": _("Re: your feedback to {brand}"),
    "reply_hint": _("You can answer this email directly."),
    "follow_up_subject": _("Did we put it right? {brand}"),
    "follow_up_intro": _("Recently you told us about a problem, and we have worked on it."),
    "follow_up_solved": _("Did we solve it?"),
    "follow_up_question": _(
        "How likely are you now to recommend {brand} to a friend or colleague?"
    ),
    "follow_up_answer": _("Answer here:"),
    "follow_up_solved_page": _("Did we solve your problem?"),
    "follow_up_question_page": _(
        "Now that we have worked on it, how likely are you to recommend {brand} "
        "to a friend or colleague?"
    ),
    "yes": _("Yes"),
    "no": _("No"),
    "follow_up_send": _("Send"),
    "choose_yes_no": _("Choose yes or no."),
    "follow_up_thanks": _("Thank you"),
    "follow_up_thanks_detail": _("Your answer helps {brand} put things right."),
}
SUPPORTED = tuple(code for code, _name in settings.LANGUAGES)
RTL = {"ar", "fa", "he", "ur"}  # none shipped yet; the markup already carries dir


def language_for(*candidates: str) -> str:
    """The first candidate locale we have a catalogue for ("pt-BR" falls back to "pt"), else en."""
    for locale in candidates:
        if not locale:
            continue
        lang = locale.replace("_", "-").split("-")[0].lower()
        if lang in SUPPORTED:
            return lang
    return "en"


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def defaults_for(lang: str) -> dict[str, str]:
    """The built-in texts of one language (English where the catalogue has none)."""
    return dict(_defaults(lang))


@functools.lru_cache(maxsize=64)
def _defaults(lang: str) -> dict[str, str]:
    # The catalogues are compiled into the release: looked up once per language and process
    # (every invitation email asks for all of them).
    with translation.override(lang):
        return {key: translation.gettext(text) for key, text in TEXTS.items()}


def wording_for(
    touchpoint: Touchpoint, lang: str, *, brand: str, unit: str, name: str = ""
) -> dict[str, str]:
    """All texts for one survey in one language, overrides applied, placeholders filled."""
    texts = defaults_for(lang)
    overrides = touchpoint.wording.get(lang) or {}
    texts.update({k: v for k, v in overrides.items() if isinstance(v, str)})
    values = _Keep(brand=brand, unit=unit, name=name)
    out = {key: text.format_map(values) for key, text in texts.items()}
    if not name:
        out["greeting"] = ""
        out["dear"] = out["hello"]
    # The context line: the touchpoint's own ("context"), else its kind's.
    if "context" not in out:
        out["context"] = out.get(touchpoint.kind, "")
    return out


def invitation_wording(invitation, *preferred: str, name: bool = False) -> tuple[str, dict]:
    """The language to address an invitation's contact in — theirs, else what the reader's
    browser asks for (`preferred`), else the account's — and the touchpoint's texts in it,
    with the brand and unit (and, with `name`, the contact's name) filled in. Load the
    invitation with its account, contact, touchpoint and unit."""
    account, contact = invitation.account, invitation.contact
    lang = language_for(contact.locale, *preferred, account.default_locale)
    texts = wording_for(
        invitation.touchpoint,
        lang,
        brand=account.name,
        unit=invitation.unit.name,
        name=contact.name if name else "",
    )
    return lang, texts
