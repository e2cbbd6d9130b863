"""Background analysis: every answer analysed once, by exactly one worker, whatever the
number of workers, and again only when its comment or the account's themes change.

Steps of `analyse_pending`, the worker's entry point:
1. `discover`: answers stored since the last look get a `pending` analysis row (an insert
   that ignores rows already there, so two workers doing it at once are harmless);
2. `claim`: a batch of pending rows is claimed with a conditional update (claim token and a
   lease); a row whose worker died is claimable again once its lease has expired;
3. analyse each claimed comment and write the results in one transaction, only for rows
   still claimed by this worker (a comment edited meanwhile is pending again and skipped);
4. with time to spare, a batch of the oldest re-tagging job (`run_retag_jobs`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from touchpoint.analysis import rollups
from touchpoint.analysis.models import (
    CommentAnalysis,
    RetagJob,
    SweepMark,
    Taxonomy,
    Theme,
    ThemeMention,
)
from touchpoint.lib.bulk import bulk_insert
from touchpoint.lib.compiled import prepared_cursor
from touchpoint.lib.text import Analysis, analyse
from touchpoint.lib.text.engine import Taxonomy as Compiled
from touchpoint.responses.models import Response

BATCH = 200
LEASE = dt.timedelta(minutes=2)
# Discovery never moves its mark past answers younger than this: an answer whose
# transaction commits late (a long import) must still be found. `analyse-comments` looks
# at every answer, whatever the mark.
SAFETY = dt.timedelta(minutes=10)
State = CommentAnalysis.State
_COMPILED: dict[int, tuple[int, Compiled, dict[str, int]]] = {}


# --- the account's themes, compiled once per version ------------------------------------------


def compiled(account_id: int) -> tuple[int, Compiled, dict[str, int]]:
    """(version, matcher, theme ids by key) of the account's active themes, cached per
    process until the version changes."""
    version = (
        Taxonomy.objects.filter(account_id=account_id).values_list("version", flat=True).first()
        or 0
    )
    cached = _COMPILED.get(account_id)
    if cached and cached[0] == version:
        return cached
    themes = list(
        Theme.objects.filter(account_id=account_id, is_active=True).values_list(
            "pk", "key", "examples"
        )
    )
    matcher = Compiled(((key, examples) for _, key, examples in themes), version=version)
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[account_id] = (version, matcher, {key: pk for pk, key, _ in themes})
    return _COMPILED[account_id]


# --- marking, discovering and claiming ---------------------------------------------------------


def mark_pending(response_ids: Iterable[int]) -> int:
    """(Re)analyse these answers: rows made pending (created when missing)."""
    ids = list(set(response_ids))
    if not ids:
        return 0
    CommentAnalysis.objects.filter(pk__in=ids).update(
        state=State.PENDING, claim="", claimed_until=None
    )
    accounts = dict(Response.objects.filter(pk__in=ids).values_list("pk", "account_id"))
    CommentAnalysis.objects.bulk_create(
        [CommentAnalysis(response_id=pk, account_id=accounts[pk]) for pk in ids if pk in accounts],
        ignore_conflicts=True,
    )
    return len(accounts)


def discover(limit: int = 2000, *, now: dt.datetime | None = None) -> int:
    """Give answers stored since the last look a pending row; returns how many it found."""
    now = now or timezone.now()
    mark, _ = SweepMark.objects.get_or_create(pk=1)
    found = list(
        Response.objects.filter(pk__gt=mark.low_water, analysis__isnull=True)
        .order_by("pk")
        .values_list("pk", "account_id")[:limit]
    )
    if found:
        CommentAnalysis.objects.bulk_create(
            [CommentAnalysis(response_id=pk, account_id=account) for pk, account in found],
            ignore_conflicts=True,
        )
    if len(found) == limit:
        reached = found[-1][0]
    else:
        reached = Response.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    settled = (
        Response.objects.filter(created_at__lt=now - SAFETY)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )
    new_mark = min(reached, settled)
    if new_mark > mark.low_water:
        SweepMark.objects.filter(pk=1, low_water__lt=new_mark).update(low_water=new_mark)
    return len(found)


def claim(
    limit: int = BATCH, *, now: dt.datetime | None = None, account_id: int | None = None
) -> tuple[str, list[int]]:
    """Claim up to `limit` pending rows: (claim token, response ids this worker now holds)."""
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    pending = CommentAnalysis.objects.filter(free, state=State.PENDING)
    if account_id is not None:
        pending = pending.filter(account_id=account_id)
    ids = list(pending.order_by("response_id").values_list("response_id", flat=True)[:limit])
    if not ids:
        return "", []
    token = get_random_string(12)
    CommentAnalysis.objects.filter(free, pk__in=ids, state=State.PENDING).update(
        claim=token, claimed_until=now + LEASE
    )
    held = list(
        CommentAnalysis.objects.filter(pk__in=ids, claim=token).values_list("pk", flat=True)
    )
    return token, held


# --- analysing and writing ------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    found: Analysis
    version: int  # of the taxonomy it was tagged with
    ids: dict[str, int]  # theme ids by key
    commented: bool
    account_id: int


def _analyse(response_ids: list[int]) -> dict[int, _Result]:
    """Each answer's analysis with the taxonomy version it used and the theme ids."""
    rows = Response.objects.filter(pk__in=response_ids).values_list(
        "pk", "account_id", "comment", "locale"
    )
    out = {}
    taxonomies: dict[int, tuple[int, Compiled, dict[str, int]]] = {}
    for pk, account_id, comment, locale in rows:
        if account_id not in taxonomies:
            taxonomies[account_id] = compiled(account_id)
        version, matcher, ids = taxonomies[account_id]
        hint = (locale or "").split("-")[0].lower()
        commented = bool((comment or "").strip())
        found = analyse(comment, matcher, hint=hint)
        out[pk] = _Result(found, version, ids, commented, account_id)
    return out


def _owned(rows) -> dict[int, int | None]:
    """The rows a worker holds (locked), with the score each counts for in the rollups."""
    return dict(rows.select_for_update().values_list("pk", "counted_score"))


def _where(response_ids: list[int]) -> dict[int, tuple]:
    """Where and with which score each answer counts, read once its analysis row is locked:
    a restatement (`rollups.restate`) that moved it meanwhile has committed by then, so the
    rollups take it away from, and add it to, the place it is counted now."""
    return {
        pk: (unit_path, touchpoint_id, channel, answered_at, score)
        for pk, unit_path, touchpoint_id, channel, answered_at, score in Response.objects.filter(
            pk__in=response_ids
        ).values_list("pk", "unit_path", "touchpoint_id", "channel", "answered_at", "score")
    }


def _write(owned: dict[int, int | None], results: dict[int, _Result], now: dt.datetime) -> None:
    """Replace the mentions, fill in the rows of `owned` (locked by the caller's transaction,
    with the score each counted for) and move the theme rollups from what these answers
    counted for to what they count for now. One UPDATE per row, sent as a batch: Django's
    bulk_update builds a CASE per field and row, and spent 90 % of a backfill's time."""
    where = _where(list(owned))
    recount = [pk for pk, score in owned.items() if score is not None and pk in where]
    counted_feelings = rollups.feelings(recount) if recount else {}
    before = {
        pk: rollups.Counted(*where[pk][:4], owned[pk], counted_feelings.get(pk, {}))
        for pk in recount
    }
    ThemeMention.objects.filter(response_id__in=list(owned)).delete()
    mentions, updates = [], []
    after: dict[int, rollups.Counted] = {}
    accounts: dict[int, int] = {}
    for pk in owned:
        if pk not in results or pk not in where:  # the answer is gone
            continue
        *place, score = where[pk]
        result = results[pk]
        found = result.found
        accounts[pk] = result.account_id
        updates.append(
            (
                found.language,
                found.sentiment if result.commented else "",
                found.score if result.commented else None,
                result.version,
                now,
                score if result.commented else None,
                pk,
            )
        )
        kept = [m for m in found.mentions if m.theme in result.ids]
        mentions.extend(
            ThemeMention(
                response_id=pk,
                theme_id=result.ids[m.theme],
                phrase=m.phrase[:200],
                start=m.start,
                end=m.end,
                sentiment=m.sentiment,
                score=m.score,
            )
            for m in kept
        )
        if result.commented:
            feelings: dict[int, set[str]] = defaultdict(set)
            for m in kept:
                feelings[result.ids[m.theme]].add(m.sentiment)
            themes = {theme: frozenset(f) for theme, f in feelings.items()}
            after[pk] = rollups.Counted(*place, score, themes)
    bulk_insert(mentions)
    table = connection.ops.quote_name(CommentAnalysis._meta.db_table)
    # Prepared on PostgreSQL: with values bound client-side, every row's UPDATE was a new
    # statement for the server to parse and plan (a pass writes one per answer).
    with prepared_cursor(connection) as cursor:
        cursor.executemany(
            f"UPDATE {table} SET language = %s, sentiment = %s, score = %s, "  # noqa: S608
            "taxonomy_version = %s, state = 'done', claim = '', claimed_until = NULL, "
            "runs = runs + 1, analysed_at = %s, counted_score = %s WHERE response_id = %s",
            updates,
        )
    rollups.move(accounts, before, after)


def process_claimed(token: str, response_ids: list[int], *, now: dt.datetime | None = None):
    """Analyse the rows this worker claimed and write what it still holds."""
    if not response_ids:
        return 0
    now = now or timezone.now()
    results = _analyse(response_ids)
    with transaction.atomic():
        owned = _owned(CommentAnalysis.objects.filter(pk__in=response_ids, claim=token))
        _write(owned, results, now)
    return len(owned)


def analyse_pending(limit: int = BATCH, *, now: dt.datetime | None = None) -> int:
    """THE WORKER'S ENTRY POINT: discover new answers, analyse up to `limit` pending ones,
    then spend what is left of `limit` on re-tagging history. Returns answers analysed."""
    now = now or timezone.now()
    discover(now=now)
    token, held = claim(limit, now=now)
    done = process_claimed(token, held, now=now)
    if done < limit:
        done += run_retag_jobs(limit - done, now=now)
    return done


# --- re-tagging history after a taxonomy change -------------------------------------------------


def _stale(job: RetagJob):
    return CommentAnalysis.objects.filter(
        account_id=job.account_id,
        state=State.DONE,
        taxonomy_version__lt=job.version,
        response_id__gt=job.cursor,
    ).exclude(sentiment="")


def run_retag_jobs(limit: int = BATCH, *, now: dt.datetime | None = None) -> int:
    """One batch of the oldest unfinished re-tagging job. The job is claimed like an
    analysis row; its cursor moves in the same transaction as the batch's results."""
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    job = (
        RetagJob.objects.filter(free, state__in=[RetagJob.State.QUEUED, RetagJob.State.RUNNING])
        .order_by("created_at", "pk")
        .first()
    )
    if job is None or limit <= 0:
        return 0
    token = get_random_string(12)
    won = RetagJob.objects.filter(free, pk=job.pk, state=job.state).update(
        claim=token, claimed_until=now + LEASE, state=RetagJob.State.RUNNING
    )
    if not won:
        return 0
    job.refresh_from_db()
    if not job.total:
        job.total = _stale(job).count()
        RetagJob.objects.filter(pk=job.pk, claim=token).update(total=job.total)
    ids = list(_stale(job).order_by("response_id").values_list("response_id", flat=True)[:limit])
    results = _analyse(ids)
    with transaction.atomic():
        held = RetagJob.objects.select_for_update().filter(pk=job.pk, claim=token).first()
        if held is None or held.state != RetagJob.State.RUNNING:
            return 0  # superseded, or our lease ran out and another worker took it
        owned = _owned(CommentAnalysis.objects.filter(pk__in=ids, state=State.DONE))
        _write(owned, results, now)
        if ids:
            RetagJob.objects.filter(pk=job.pk).update(
                cursor=ids[-1], done=F("done") + len(owned), claim="", claimed_until=None
            )
        else:
            RetagJob.objects.filter(pk=job.pk).update(
                state=RetagJob.State.DONE, finished_at=now, claim="", claimed_until=None
            )
    return len(owned)


def retag_progress(account_id: int) -> RetagJob | None:
    """The account's newest re-tagging job (for the admins' progress bar)."""
    return (
        RetagJob.objects.filter(account_id=account_id)
        .exclude(state=RetagJob.State.SUPERSEDED)
        .order_by("-created_at", "-pk")
        .first()
    )


def pending_by_account() -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for account_id in CommentAnalysis.objects.filter(state=State.PENDING).values_list(
        "account_id", flat=True
    ):
        counts[account_id] += 1
    return dict(counts)
