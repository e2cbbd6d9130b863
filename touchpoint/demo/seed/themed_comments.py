"""What the demo's customers write, and their follow-up answers, so that the themes,
impacts and drivers on the demo's dashboards tell a true story.

The comments are the labelled corpus in `lib/text/data/` (about 490 distinct comments in
English, German, Spanish, French and Hindi, each with its themes and sentiment). A comment is
drawn for the answer's touchpoint, language and score; an unhappy customer of a weak unit
usually writes about that unit's weakness (a store's queue or staff or stock, a repair
centre's delays, a call centre's hold times and missed callbacks), and the season shows:
queues and late parcels before Christmas, hold times after the September launch. Some
English-speaking customers in the UK write in Hindi. Follow-up answers follow the same
story: a slow repair gets a low mark for repair time, a support detractor mostly says the
problem was not solved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from functools import cache

from touchpoint.lib.text.classifier import DATA
from touchpoint.lib.text.labelled import Labelled, parse
from touchpoint.surveys.models import Touchpoint

K = Touchpoint.Kind
GROUP = {
    K.STORE_PURCHASE: "store",
    K.ONLINE_PURCHASE: "online",
    K.SUPPORT_CALL: "support",
    K.REPAIR: "repair",
    K.SIGN_UP: "digital",
    K.CONTACT_CHANGE: "digital",
    K.CANCELLATION: "cancel",
}
COMMENT_RATE = {"promoter": 0.3, "passive": 0.28, "detractor": 0.55}
SENTIMENT = {"promoter": "positive", "passive": "neutral", "detractor": "negative"}
HINDI_SHARE = 0.05  # of English-language customers, who answer in Hindi
# What a weak unit's unhappy customers mostly talk about, by the unit's kind of touchpoint.
WEAKNESSES = {
    "store": (("waiting", "staff"), ("stock",), ("staff",), ("waiting",)),
    "support": (("waiting", "callback"), ("callback",), ("staff",)),
    "repair": (("repair_time", "updates"), ("repair_quality",), ("repair_time",)),
}
FOCUS = 0.75  # chance that a weak unit's unhappy customer writes about its weakness


@cache
def corpus() -> dict[tuple[str, str, str], tuple[Labelled, ...]]:
    """(group, language, sentiment): the labelled comments."""
    out: dict[tuple[str, str, str], list[Labelled]] = {}
    for path in sorted(DATA.glob("*.txt")):
        for item in parse(path.read_text(encoding="utf-8"), path.stem):
            out.setdefault((item.touchpoint, item.language, item.sentiment), []).append(item)
    return {key: tuple(items) for key, items in out.items()}


def comments() -> set[str]:
    return {item.text for items in corpus().values() for item in items}


def weakness(unit_code: str, group: str) -> tuple[str, ...]:
    """The themes a weak unit is known for (fixed per unit)."""
    options = WEAKNESSES.get(group)
    if not options:
        return ()
    digest = int(hashlib.sha256(unit_code.encode()).hexdigest(), 16)
    return options[digest % len(options)]


def _pick(rng, pool: tuple[Labelled, ...], focus: tuple[str, ...]) -> Labelled:
    if focus and rng.random() < FOCUS:
        about = [item for item in pool if set(item.themes) & set(focus)]
        if about:
            return rng.choice(about)
    return rng.choice(pool)


def feedback(
    rng: random.Random,
    kind: str,
    locale: str,
    score: int,
    *,
    unit_code: str = "",
    quality: float = 0.0,
    day: dt.date | None = None,
) -> tuple[str, dict]:
    """(comment, follow-up answers) of one answer; many answers come without a comment."""
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    group = GROUP.get(kind)
    chosen: Labelled | None = None
    if group and rng.random() < COMMENT_RATE[category]:
        language = locale if (group, locale, "neutral") in corpus() else "en"
        if language == "en" and rng.random() < HINDI_SHARE and (group, "hi", "neutral") in corpus():
            language = "hi"
        pool = (
            corpus().get((group, language, SENTIMENT[category]))
            or corpus()[(group, "en", SENTIMENT[category])]
        )
        focus: tuple[str, ...] = ()
        if category != "promoter":
            focus = weakness(unit_code, group) if quality < -0.3 else _season(group, day)
        chosen = _pick(rng, pool, focus)
    return (chosen.text if chosen else ""), _answers(rng, kind, category, chosen)


def _season(group: str, day: dt.date | None) -> tuple[str, ...]:
    """What the season's unhappy customers write about (the seed lowers their scores then):
    queues and late parcels before Christmas, hold times in the weeks after the September
    launch."""
    if day is None:
        return ()
    if group in ("store", "online") and dt.date(day.year, 11, 20) <= day <= dt.date(
        day.year, 12, 24
    ):
        return ("waiting",) if group == "store" else ("delivery",)
    if group == "support" and dt.date(day.year, 9, 12) <= day <= dt.date(day.year, 10, 10):
        return ("waiting",)
    return ()


def _answers(rng, kind: str, category: str, said: Labelled | None) -> dict:
    themes = said.themes if said else {}
    if kind == K.REPAIR:
        if themes.get("repair_time") == "negative":
            mark = rng.choice((1, 1, 2))
        elif themes.get("repair_time") == "positive":
            mark = rng.choice((4, 5, 5))
        else:
            mark = {"promoter": (4, 5, 5), "passive": (3, 3, 4), "detractor": (1, 2, 3)}[category]
            mark = rng.choice(mark)
        return {"repair_time": mark}
    if kind == K.SUPPORT_CALL and category != "promoter":
        weights = {"passive": (55, 35, 10), "detractor": (10, 30, 60)}[category]
        return {"solved": rng.choices(("yes", "partly", "no"), weights)[0]}
    if kind == K.CANCELLATION:
        reasons = []
        if "price" in themes or rng.random() < 0.3:
            reasons.append("price")
        if "coverage" in themes or "staff" in themes:
            reasons.append("quality")
        if rng.random() < 0.15:
            reasons.append("moving")
        return {"reasons": reasons or [rng.choice(("better_offer", "not_used", "other"))]}
    return {}
