"""The IANA time zone names this installation knows, read once."""

from __future__ import annotations

import contextlib
import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def known_time_zones() -> frozenset[str]:
    """`zoneinfo.available_timezones()` walks the whole time zone database on each call
    (about 10 ms): once per process is enough, the database does not change under it."""
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in known_time_zones()


@cache
def _countries() -> dict[str, str]:
    """Zone name -> ISO 3166 country code, from the time zone database's zone.tab (the
    system's, or the tzdata package's when the system has none)."""
    places = [Path(p) / "zone.tab" for p in zoneinfo.TZPATH]
    with contextlib.suppress(ModuleNotFoundError):
        places.append(Path(str(resources.files("tzdata") / "zoneinfo" / "zone.tab")))
    for place in places:
        if place.is_file():
            out = {}
            for line in place.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    parts = line.split("\t")
                    if len(parts) >= 3:
                        out[parts[2]] = parts[0]
            return out
    return {}


def country_of(zone: str) -> str:
    """The country a time zone belongs to ("Europe/London" -> "GB"), "" when it has none
    ("UTC") or the database does not say."""
    return _countries().get(zone, "")
