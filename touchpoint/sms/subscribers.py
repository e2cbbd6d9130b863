"""What an erased person texted us goes with them: an in-transaction subscriber."""

from __future__ import annotations

from touchpoint.events.models import Event
from touchpoint.sms.models import InboundSms


def on_contact_erased(events: list[Event]) -> None:
    for event in events:
        if event.subject.phone:  # the words and the number
            InboundSms.objects.filter(
                account_id=event.account_id, from_number=event.subject.phone
            ).delete()
