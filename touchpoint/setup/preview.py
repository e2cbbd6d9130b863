"""What a touchpoint's survey looks like before anyone receives it (the email, the SMS with
its segment count, the survey page and the follow-up questions), and a real test survey sent
to oneself through the ordinary intake and sender."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from touchpoint.accounts.models import Unit
from touchpoint.contacts.models import Contact
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.schemas import ContactIn, InteractionIn
from touchpoint.lib import sms
from touchpoint.setup.audit import SetupError, actor_name, record_change
from touchpoint.setup.models import SetupChange
from touchpoint.surveys import compose, delivery, rules
from touchpoint.surveys.models import Channel, Invitation, Touchpoint
from touchpoint.surveys.questions import questions_for
from touchpoint.surveys.tokens import new_link
from touchpoint.surveys.wording import direction, wording_for

SAMPLE_SCORES = {"promoter": 10, "passive": 7, "detractor": 3}


@dataclass
class Preview:
    lang: str
    subject: str
    email_html: str
    email_text: str
    sms_text: str
    sms: sms.SmsLength
    sms_context_dropped: bool
    survey_html: str
    more_html: str  # the follow-up questions a respondent of `category` sees ("" if none)
    category: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "email": {"subject": self.subject, "html": self.email_html, "text": self.email_text},
            "sms": {
                "text": self.sms_text,
                "encoding": self.sms.encoding,
                "characters": self.sms.units,
                "segments": self.sms.segments,
                "context_dropped": self.sms_context_dropped,
            },
            "survey_page_html": self.survey_html,
            "follow_up": {"category": self.category, "html": self.more_html},
        }


def sample_invitation(touchpoint: Touchpoint, unit: Unit, lang: str, name: str) -> Invitation:
    """An unsaved invitation to a made-up customer: what the composers need, nothing stored."""
    contact = Contact(
        account=touchpoint.account,
        name=name,
        locale=lang,
        email="customer@example.com",
        phone="+447700900123",
    )
    invitation = Invitation(
        pk=0,
        account=touchpoint.account,
        contact=contact,
        touchpoint=touchpoint,
        unit=unit,
        channel=touchpoint.channel,
    )
    new_link(invitation)  # a link as long as a real one, so the SMS length is true; opens nothing
    return invitation


def preview(
    touchpoint: Touchpoint, *, unit: Unit, lang: str, name: str = "Alex", category: str = ""
) -> Preview:
    """Render the touchpoint as edited (it may be unsaved) in one language."""
    invitation = sample_invitation(touchpoint, unit, lang, name)
    email = compose.compose_email(invitation)
    text = compose.compose_sms(invitation).body
    account = touchpoint.account
    texts = wording_for(touchpoint, lang, brand=account.name, unit=unit.name)
    page = {
        "lang": lang,
        "dir": direction(lang),
        "texts": texts,
        "invitation": invitation,
        "scores": [str(n) for n in range(11)],
        "selected": None,
        "comment": "",
        "error": "",
        "answered": False,
    }
    category = category if category in SAMPLE_SCORES else _default_category(touchpoint)
    shown = questions_for(touchpoint.questions, SAMPLE_SCORES[category], lang)
    for q in shown:
        q.update(value="", error="", selected=[])
    more = {**page, "questions": shown, "errors": {}}
    context_line = sms.normalise(texts["context"]).strip()
    return Preview(
        lang=lang,
        subject=email.subject,
        email_html=email.alternatives[0][0],
        email_text=email.body,
        sms_text=text,
        sms=sms.measure(text),
        sms_context_dropped=bool(context_line) and context_line not in text,
        survey_html=render_to_string("front/survey.html", page),
        more_html=render_to_string("front/survey_more.html", more) if shown else "",
        category=category,
    )


def _default_category(touchpoint: Touchpoint) -> str:
    """The first group that sees follow-up questions, detractors first."""
    for category in ("detractor", "passive", "promoter"):
        if questions_for(touchpoint.questions, SAMPLE_SCORES[category], "en"):
            return category
    return "detractor"


def example_schedule(
    touchpoint: Touchpoint, time_zone: str
) -> list[tuple[dt.datetime, dt.datetime]]:
    """When interactions at a few telling moments (a weekday morning, evening, night) would
    be surveyed under the rule, in `time_zone`."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(time_zone)
    today = timezone.now().astimezone(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    out = []
    for hour in (10, 19, 23):
        occurred = dt.datetime.combine(monday, dt.time(hour), tzinfo=zone)
        send_at = rules.plan_send_at(
            occurred_at=occurred,
            delay=touchpoint.delay,
            time_zone=time_zone,
            quiet_start=touchpoint.quiet_hours_start,
            quiet_end=touchpoint.quiet_hours_end,
        )
        out.append((occurred, send_at.astimezone(zone)))
    return out


# --- a test survey to oneself -------------------------------------------------------------

# What a test may ignore: it goes now, even to someone surveyed last week, from a paused
# touchpoint, outside the sample, or at night.
TEST_OVERRIDES = {
    Invitation.Reason.TOUCHPOINT_INACTIVE,
    Invitation.Reason.SAMPLED_OUT,
    Invitation.Reason.QUARANTINE,
}
ADDRESS = {Channel.EMAIL: "email", Channel.SMS: "phone"}


@dataclass
class SentTestSurvey:
    invitation: Invitation
    sent: bool  # handed to the mail server or SMS provider (or live at once for a link)
    detail: str


def do_send_test_survey(
    *, by, touchpoint: Touchpoint, unit: Unit, email: str = "", phone: str = "", locale: str = ""
) -> SentTestSurvey:
    """Send this touchpoint's survey now to the person setting it up, as a customer would get
    it: an interaction recorded through the ordinary intake (marked `test_survey` in its
    properties), its invitation planned by the ordinary rules, then delivered at once by the
    ordinary sender. A test goes out now whatever the delay, quiet hours, sampling,
    quarantine or pause; an opt-out still holds."""
    account = touchpoint.account
    if touchpoint.channel == Channel.PHONE:
        raise SetupError(_("phone interviews are not sent: use the preview"), "channel")
    field = ADDRESS.get(touchpoint.channel, "email")
    address = {"email": email, "phone": phone}[field]
    if not address:
        raise SetupError(_("give the address to send the test to"), field)
    if unit.account_id != account.pk:
        raise SetupError(_("no such unit"), "unit")
    try:
        contact = ContactIn(
            email=email, phone=phone, locale=locale, name=getattr(by, "first_name", "") or ""
        )
    except ValidationError as error:
        raise SetupError(
            {str(e["loc"][0]) if e["loc"] else field: e["msg"] for e in error.errors()}
        ) from None
    now = timezone.now()
    item = InteractionIn(
        external_id=f"setup-test-{secrets.token_hex(8)}",
        touchpoint=touchpoint.slug,
        unit=unit.code,
        occurred_at=now,
        contact=contact,
        properties={"test_survey": True, "sent_by": actor_name(by)},
    )
    with transaction.atomic():
        result = record_interactions(account, [item], delay=dt.timedelta(0))
        if not result.ok:
            raise SetupError({e["field"].split(".", 1)[-1]: e["message"] for e in result.errors})
        invitation = result.items[0].invitation
        if invitation.state == Invitation.State.SUPPRESSED:
            if invitation.reason not in TEST_OVERRIDES:
                raise SetupError(f"{invitation.get_reason_display()}: {invitation.detail}", field)
            _release(invitation, touchpoint, now, f"test survey, sent despite: {invitation.detail}")
        elif invitation.state == Invitation.State.SCHEDULED and invitation.send_at > now:
            _release(invitation, touchpoint, now, "test survey, sent now despite quiet hours")
        record_change(
            account,
            by,
            SetupChange.Subject.TOUCHPOINT,
            "test_sent",
            key=touchpoint.slug,
            label=touchpoint.name,
            after={"to": address, "unit": unit.code, "locale": locale, "invitation": invitation.pk},
        )
    if invitation.state == Invitation.State.SCHEDULED:
        delivery.deliver(invitation.pk)
    invitation.refresh_from_db()
    sent = invitation.state in (Invitation.State.SENT, Invitation.State.ANSWERED)
    return SentTestSurvey(invitation, sent, invitation.detail if not sent else "")


def _release(invitation: Invitation, touchpoint: Touchpoint, now: dt.datetime, why: str) -> None:
    live = touchpoint.channel not in ADDRESS
    invitation.state = Invitation.State.SENT if live else Invitation.State.SCHEDULED
    if not invitation.token_hash:
        new_link(invitation)
    invitation.send_at = now
    invitation.sent_at = now if live else None
    invitation.expires_at = now + dt.timedelta(days=touchpoint.expiry_days)
    invitation.reason = ""
    invitation.detail = why[:500]
    invitation.save(
        update_fields=[
            "state",
            "token_nonce",
            "token_hash",
            "send_at",
            "sent_at",
            "expires_at",
            "reason",
            "detail",
        ]
    )
