"""The IANA time zone names this installation knows, read once."""

from __future__ import annotations

import zoneinfo
from functools import cache


@cache
def known_time_zones() -> frozenset[str]:
    """`zoneinfo.available_timezones()` walks the whole time zone database on each call
    (about 10 ms): once per process is enough, the database does not change under it."""
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in known_time_zones()
