"""The timing rules of a survey: when an invitation may go out. Pure functions."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from zoneinfo import ZoneInfo


def in_quiet_hours(local: dt.time, start: dt.time, end: dt.time) -> bool:
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window wraps past midnight (e.g. 21:00 to 08:00)


def plan_send_at(
    *,
    occurred_at: dt.datetime,
    delay: dt.timedelta,
    time_zone: str,
    quiet_start: dt.time | None = None,
    quiet_end: dt.time | None = None,
) -> dt.datetime:
    """The interaction time plus the delay, moved to the end of quiet hours if it falls in them.

    Quiet hours are read in the contact's time zone, so "not between 21:00 and 08:00" means the
    customer's evening and night, DST included.
    """
    at = occurred_at + delay
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return at
    zone = ZoneInfo(time_zone)
    local = at.astimezone(zone)
    if not in_quiet_hours(local.time(), quiet_start, quiet_end):
        return at
    end_date = local.date()
    if quiet_start > quiet_end and local.time() >= quiet_start:
        end_date += dt.timedelta(days=1)
    wall = dt.datetime.combine(end_date, quiet_end)
    # A wall time in a DST gap does not exist; ZoneInfo maps it forward, which is what we want.
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)


def in_sample(key: str, rate: Decimal | float) -> bool:
    """A deterministic draw: the same interaction is always in or out of the same sample."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
    return draw < float(rate)


def quarantine_allows(
    *, last_invited_at: dt.datetime | None, send_at: dt.datetime, days: int
) -> bool:
    """True when the contact's latest invitation is outside the window around `send_at`."""
    if last_invited_at is None or days == 0:
        return True
    return abs(send_at - last_invited_at) >= dt.timedelta(days=days)
