"""Theme rollups: per unit (and each ancestor), local day and month, touchpoint, channel and
theme, the score histogram of the answers whose comment mentions the theme, with how many
were negative or positive about it; and per unit, day or month, touchpoint and channel, the
histogram of the answers with an analysed comment (`ThemeRollup`, `CommentRollup`).

Exact, the way `reports.rollups` is: the sweep writes an answer's analysis, its mentions and
its rollup changes in one transaction (`move`), taking away what the answer counted for
before (its `counted_score` and its previous mentions) and adding what it counts for now.
An answer counts where it was given (attribution snapshot), on its local day in the
account's time zone. `rebuild` recomputes an account's rollups from its analyses alone (after
a time-zone change, or to check them: `analyse-comments --rebuild-rollups`).

The contract with the answer path (`subscribers`): an answer whose score, comment or
language changes is analysed again (`hooks.request_analysis`); until then the rollups count
it with the score it had. An answer restated under a new path moves at once (`restate`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from touchpoint.accounts.models import Account
from touchpoint.analysis.models import CommentAnalysis, CommentRollup, ThemeMention, ThemeRollup
from touchpoint.reports.models import HISTOGRAM
from touchpoint.responses.models import Response

DAY, MONTH = "day", "month"
# (unit_id, grain, period, touchpoint_id, channel)
Key = tuple[int, str, dt.date, int, str]


@dataclass(frozen=True)
class Counted:
    """What one answer counts for: where and when it was given, its score, and the themes
    its comment mentions with the feelings about each (None: not counted at all)."""

    unit_path: str
    touchpoint_id: int
    channel: str
    answered_at: dt.datetime
    score: int
    themes: dict[int, frozenset[str]]


class Deltas:
    """Changes to the rollups, summed before they are written."""

    def __init__(self) -> None:
        self.themes: dict[tuple[Key, int], list[int]] = defaultdict(lambda: [0] * 13)
        self.comments: dict[Key, list[int]] = defaultdict(lambda: [0] * 11)

    def add(self, counted: Counted, zone: ZoneInfo, sign: int) -> None:
        day = counted.answered_at.astimezone(zone).date()
        for part in counted.unit_path.strip("/").split("/"):
            for grain, period in ((DAY, day), (MONTH, day.replace(day=1))):
                key = (int(part), grain, period, counted.touchpoint_id, counted.channel)
                self.comments[key][counted.score] += sign
                for theme_id, feelings in counted.themes.items():
                    cells = self.themes[(key, theme_id)]
                    cells[counted.score] += sign
                    cells[11] += sign * ("negative" in feelings)
                    cells[12] += sign * ("positive" in feelings)


def move(account_ids: dict[int, int], before: dict[int, Counted], after: dict[int, Counted]):
    """Take `before` away from the rollups and add `after` (answers by response id, each
    answer's account in `account_ids`); the caller holds the transaction."""
    zones = dict(
        Account.objects.filter(pk__in=set(account_ids.values())).values_list("pk", "time_zone")
    )
    by_account: dict[int, Deltas] = defaultdict(Deltas)
    for counted_set, sign in ((before, -1), (after, 1)):
        for response_id, counted in counted_set.items():
            account_id = account_ids[response_id]
            by_account[account_id].add(counted, ZoneInfo(zones[account_id]), sign)
    for account_id, deltas in by_account.items():
        _write(account_id, deltas)


def restate(moved: list[tuple[Response, str]]) -> None:
    """Answers now counted under another path (`responses.actions.do_restate_history`, each
    with its old path): every analysed one leaves its old path and joins its new one, with
    the score and the themes it is counted with. Its analysis row is locked first, so a
    worker writing the same answer sees the move (`sweep._where`)."""
    by_pk = {response.pk: (response, old) for response, old in moved}
    counted = dict(
        CommentAnalysis.objects.select_for_update()
        .filter(response_id__in=list(by_pk), counted_score__isnull=False)
        .values_list("response_id", "counted_score")
    )
    themes = feelings(list(counted)) if counted else {}
    before, after, accounts = {}, {}, {}
    for pk, score in counted.items():
        response, old = by_pk[pk]
        where = (response.touchpoint_id, response.channel, response.answered_at, score)
        before[pk] = Counted(old, *where, themes.get(pk, {}))
        after[pk] = Counted(response.unit_path, *where, themes.get(pk, {}))
        accounts[pk] = response.account_id
    move(accounts, before, after)


def feelings(response_ids: list[int]) -> dict[int, dict[int, frozenset[str]]]:
    """The themes each answer's stored mentions name, with the feelings about each."""
    found: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for response_id, theme_id, sentiment in ThemeMention.objects.filter(
        response_id__in=response_ids
    ).values_list("response_id", "theme_id", "sentiment"):
        found[response_id][theme_id].add(sentiment)
    return {
        pk: {theme: frozenset(feelings) for theme, feelings in themes.items()}
        for pk, themes in found.items()
    }


def _write(account_id: int, deltas: Deltas) -> None:
    themes = [((*key, theme), cells) for (key, theme), cells in deltas.themes.items() if any(cells)]
    comments = [(key, cells) for key, cells in deltas.comments.items() if any(cells)]
    theme_counts = [*HISTOGRAM, "negative", "positive"]
    _upsert(account_id, ThemeRollup, [*_KEY, "theme_id"], theme_counts, themes)
    _upsert(account_id, CommentRollup, _KEY, HISTOGRAM, comments)


_KEY = ["unit_id", "grain", "period", "touchpoint_id", "channel"]


def _upsert(account_id: int, model, key: list[str], counts: list[str], items: list) -> None:
    """Add the counts to the stored rows: one INSERT … ON CONFLICT DO UPDATE per few hundred
    rows (SQLite and PostgreSQL alike)."""
    if not items:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ["account_id", *key, *counts]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    update = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in counts)
    per_statement = 999 // len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(items), per_statement):
            chunk = items[start : start + per_statement]
            params: list = []
            for values, cells in chunk:
                params += [account_id, *values, *cells]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
                f"VALUES {', '.join([row] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {update}",
                params,
            )


@transaction.atomic
def rebuild(account: Account, *, batch: int = 5000) -> int:
    """Recompute the account's theme rollups from its analyses: every analysed answer with a
    comment counts with its current score and its stored mentions. Returns answers counted."""
    ThemeRollup.objects.filter(account=account).delete()
    CommentRollup.objects.filter(account=account).delete()
    CommentAnalysis.objects.filter(account=account).update(counted_score=None)
    analysed = CommentAnalysis.objects.filter(
        account=account, state=CommentAnalysis.State.DONE
    ).exclude(sentiment="")
    zone = ZoneInfo(account.time_zone)
    table = connection.ops.quote_name(CommentAnalysis._meta.db_table)
    done, last = 0, 0
    while True:
        rows = list(
            Response.objects.filter(pk__in=analysed.filter(response_id__gt=last).values("pk"))
            .order_by("pk")
            .values_list("pk", "unit_path", "touchpoint_id", "channel", "answered_at", "score")[
                :batch
            ]
        )
        if not rows:
            return done
        themes = feelings([row[0] for row in rows])
        deltas = Deltas()
        for pk, *where, score in rows:
            deltas.add(Counted(*where, score, themes.get(pk, {})), zone, 1)
        _write(account.pk, deltas)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET counted_score = %s WHERE response_id = %s",  # noqa: S608
                [(score, pk) for pk, *_, score in rows],
            )
        done += len(rows)
        last = rows[-1][0]
