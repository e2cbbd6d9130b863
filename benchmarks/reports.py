"""Dashboard read speed: the rollups against a raw GROUP BY and against DuckDB, on a throwaway
database of synthetic answers.

    .venv/bin/python benchmarks/reports.py [--responses 10000000] [--units 5000] [--runs 50]
        [--raw-runs 5] [--keep]
    .venv/bin/python benchmarks/reports.py --segments [segments.py's options]

1. Generates an account with a realistic tree (brand → regions → stores; brand → vendors →
   teams → agents; brand → repair centres), `--responses` answers spread over two years, and
   their rollups (computed with `reports.rollups.deltas_for`, the function the live path uses;
   a sample of units is then checked against a recount from the raw rows, as `rebuild` does).
   Rows go in with executemany (SQLite) or COPY (PostgreSQL), indexes built afterwards.
2. Times the dashboard query set of a unit (headline, previous period, trend, by touchpoint, by
   channel, child leaderboard) at brand, region and store level three ways: the application's
   own functions over the rollups, a GROUP BY over the raw responses with the subtree filter,
   and DuckDB scanning the same rows exported once to Parquet. Every engine's figures must agree.
3. Prints level x query set x engine: median and p95, speed-up against raw, and the verdicts
   (p95 <= 50 ms, >= 100x faster than raw, faster than DuckDB).

With `--segments` (issue 19), the segment query set instead: contacts with attributes, answers
with their segment snapshots, two declared dimensions rolled up by `rebuild-rollups`' code,
and a declared filter, a `group_by`, two segments combined and an undeclared attribute timed
against the raw GROUP BY and DuckDB. That is benchmarks/segments.py, whose options follow
(`benchmarks/reports.py --segments --responses 10000000 --keep`; see its docstring).

Database: DATABASE_URL (SQLite file or PostgreSQL), default a SQLite file in the temp directory.
It must be new, empty, or named for benchmarks ("bench" in its name): a benchmark database is
recreated on each run (kept with --keep when it already holds the same generated data), any
other non-empty database is refused, so a real installation is never touched. DuckDB is
optional (`pip install -e '.[bench]'`); without it that engine is skipped.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SLUG = "bench-reports"
TIME_ZONE = "Europe/Paris"
END = dt.date(2026, 11, 22)  # the last generated day; "today" for the dashboard
DAYS = 730
PERIOD_DAYS = 90  # the dashboard's period, as on the unit page
TARGET_P95 = 0.050
TARGET_SPEEDUP = 100.0

# Statements below are built from table and column names only; values are parameters.


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--segments" in argv:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import segments  # benchmarks/segments.py, which shares this script's database guard

        return segments.main([a for a in argv if a != "--segments"])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--segments",
        action="store_true",
        help="the segment query set instead (benchmarks/segments.py, with its own options)",
    )
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--units", type=int, default=5_000, help="about this many units")
    parser.add_argument(
        "--runs", type=int, default=50, help="timed runs per query (rollups); 0: generate only"
    )
    parser.add_argument(
        "--raw-runs",
        type=int,
        default=None,
        help="timed runs of the raw GROUP BY and DuckDB (default: --runs; a raw pass over "
        "10 M rows takes seconds, so fewer runs are usually enough to show the gap)",
    )
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database if it holds the same data"
    )
    args = parser.parse_args(argv)
    raw_runs = args.runs if args.raw_runs is None else args.raw_runs

    workdir = Path(tempfile.gettempdir()) / "touchpoint-bench"
    workdir.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench-reports.sqlite3'}"
    fingerprint = f"{args.responses} responses, {args.units} units, seed {args.seed}"
    target = Target.parse(url)
    reuse = args.keep and target.holds_benchmark(fingerprint)
    if not reuse:
        target.make_fresh()

    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
    )
    os.environ.pop("DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    print(f"database: {connection.vendor} {target.display}")
    print(f"load average at start: {load()}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a kept database gets any newer rollup table filled
    if reuse:
        print(f"reusing the generated data ({fingerprint})")
    else:
        started = time.perf_counter()
        generate(args.responses, args.units, args.seed, fingerprint)
        print(f"generated in {time.perf_counter() - started:,.0f} s")

    parquet = export_parquet(target, args.responses, workdir, reuse=reuse)
    if not args.runs:
        return 0
    levels = dashboard_levels(DASHBOARD.trend_grain)
    results = run(levels, parquet, runs=args.runs, raw_runs=raw_runs, warmup=args.warmup)
    print()
    print_table(results)
    print(f"\nload average at end: {load()}")
    return 0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


# The target database ---------------------------------------------------------------------------


@dataclass
class Target:
    """Where the benchmark writes, and the guard that keeps it off a real database."""

    url: str
    vendor: str
    name: str  # SQLite file path or PostgreSQL database name

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            # sqlite:////abs/path.db and sqlite:///relative.db, as dj-database-url reads them
            return cls(url, "sqlite", parts.path[1:])
        if parts.scheme in ("postgres", "postgresql", "pgsql"):
            return cls(url, "postgresql", parts.path.lstrip("/"))
        raise SystemExit(f"refused: {parts.scheme}:// is neither SQLite nor PostgreSQL")

    @property
    def display(self) -> str:
        return self.name if self.vendor == "sqlite" else f"database {self.name}"

    @property
    def named_for_benchmarks(self) -> bool:
        return "bench" in Path(self.name).name.lower()

    def _admin(self):
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)

    def _connect(self):
        if self.vendor == "sqlite":
            return sqlite3.connect(f"file:{self.name}?mode=ro", uri=True)
        import psycopg

        return psycopg.connect(self.url)

    def exists(self) -> bool:
        if self.vendor == "sqlite":
            return Path(self.name).exists()
        with self._admin() as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return found.fetchone() is not None

    def tables(self) -> int:
        with self._connect() as db:
            if self.vendor == "sqlite":
                sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            else:
                sql = "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                sql += "('pg_catalog', 'information_schema')"
            return db.execute(sql).fetchone()[0]

    def holds_benchmark(self, fingerprint: str) -> bool:
        """True when the database holds only this benchmark's account, generated with the same
        parameters (and so may be reused as it is)."""
        if not self.exists() or not self.tables():
            return False
        try:
            with self._connect() as db:
                rows = db.execute("SELECT slug, name FROM accounts_account").fetchall()
        except Exception:
            return False
        return rows == [(ACCOUNT_SLUG, f"Bench ({fingerprint})")]

    def make_fresh(self) -> None:
        """Recreate a benchmark database; accept a new or empty one; refuse anything else."""
        if self.exists() and self.tables():
            if not self.named_for_benchmarks:
                raise SystemExit(
                    f"refused: {self.display} is not empty and not named for benchmarks. "
                    "Point DATABASE_URL at a new database, or one with 'bench' in its name "
                    "(which this script recreates)."
                )
            print(f"recreating {self.display}")
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            Path(self.name).parent.mkdir(parents=True, exist_ok=True)
            return
        with self._admin() as admin:
            quoted = '"' + self.name.replace('"', '""') + '"'
            if self.exists() and self.named_for_benchmarks:
                admin.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
            if not self.exists():
                admin.execute(f"CREATE DATABASE {quoted}")


# Generation ------------------------------------------------------------------------------------


@dataclass
class Group:
    """Where a share of the answers is given: units, their traffic, touchpoint and channels."""

    share: float
    units: list = field(default_factory=list)
    traffic: list[float] = field(default_factory=list)
    touchpoint: object = None
    channels: tuple[str, ...] = ()
    channel_weights: tuple[float, ...] = ()
    base: float = 0.0  # satisfaction of this touchpoint, on the score model's scale


def tree_shape(units: int) -> dict[str, int]:
    """Counts per level for about `units` units; 5,000 gives 12 regions x 62 stores,
    4 vendors x 25 teams x 41 agents and 24 repair centres (4,985 units)."""
    f = units / 4_985
    return {
        "regions": max(2, round(12 * f**0.5)),
        "stores": max(2, round(62 * f**0.5)),
        "vendors": max(1, round(4 * f ** (1 / 3))),
        "teams": max(2, round(25 * f ** (1 / 3))),
        "agents": max(2, round(41 * f ** (1 / 3))),
        "repair_centres": max(2, round(24 * f**0.5)),
    }


def build_tree(account, rng: random.Random, units: int) -> list[Group]:
    from django.db import transaction

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.surveys.models import Touchpoint

    shape = tree_shape(units)

    def unit(kind: str, code: str, name: str, parent=None):
        return do_create_unit(account=account, kind=kind, code=code, name=name, parent=parent)

    def touchpoint(slug: str, name: str, kind: str, channel: str = "email"):
        return Touchpoint.objects.create(
            account=account, slug=slug, name=name, kind=kind, channel=channel
        )

    def traffic(n: int) -> list[float]:
        return [rng.lognormvariate(0, 0.6) for _ in range(n)]

    with transaction.atomic():
        brand = unit("brand", "nimbus", "Nimbus Mobile")
        stores, agents, centres = [], [], []
        for r in range(shape["regions"]):
            region = unit("region", f"region-{r:02d}", f"Region {r:02d}", brand)
            for s in range(shape["stores"]):
                code = f"store-{r:02d}{s:03d}"
                stores.append(unit("store", code, f"Store {r:02d}{s:03d}", region))
        for v in range(shape["vendors"]):
            vendor = unit("vendor", f"vendor-{v}", f"Vendor {v}", brand)
            for t in range(shape["teams"]):
                team = unit("team", f"team-{v}-{t:02d}", f"Team {v}-{t:02d}", vendor)
                for a in range(shape["agents"]):
                    code = f"agent-{v}{t:02d}{a:02d}"
                    agents.append(unit("agent", code, f"Agent {v}{t:02d}{a:02d}", team))
        for c in range(shape["repair_centres"]):
            centres.append(
                unit("repair_centre", f"repair-{c:02d}", f"Repair centre {c:02d}", brand)
            )
        purchase = touchpoint("store-purchase", "Store purchase", "store_purchase")
        support = touchpoint("support-call", "Support call", "support_call", "sms")
        repair = touchpoint("repair", "Repair", "repair")
        sign_up = touchpoint("sign-up", "Sign-up", "sign_up", "web")
        relationship = touchpoint("relationship", "Relationship", "relationship")
    sms_email = ("email", "sms")
    return [
        Group(0.50, stores, traffic(len(stores)), purchase, ("email", "sms", "kiosk"), (6, 3, 1.5)),
        Group(0.36, agents, traffic(len(agents)), support, (*sms_email, "phone"), (5, 3, 2), -0.2),
        Group(0.08, centres, traffic(len(centres)), repair, sms_email, (7, 3), -0.4),
        Group(0.04, [brand], [1.0], sign_up, ("web",), (1,), 0.2),
        Group(0.02, [brand], [1.0], relationship, ("email",), (1,), 0.1),
    ]


# Score model: a unit's satisfaction tilts a typical NPS histogram; levels -2.0 .. +2.0 by 0.1.
_BASE_HISTOGRAM = (3, 1, 1, 2, 2, 5, 6, 11, 20, 24, 25)
_LEVELS = 41
_CUMULATIVE = []
for _level in range(_LEVELS):
    _tilt = (_level - 20) / 10
    _weights = [w * math.exp(_tilt * (s - 7) / 4) for s, w in enumerate(_BASE_HISTOGRAM)]
    _total = sum(_weights)
    _running, _cum = 0.0, []
    for _w in _weights:
        _running += _w / _total
        _cum.append(_running)
    _cum[-1] = 1.0
    _CUMULATIVE.append(_cum)

_COMMENTS = {
    "promoter": ["Quick and friendly, thanks!", "Great advice on the new phone.", "Perfect."],
    "passive": ["Fine, a bit slow.", "OK but the queue was long.", "Did the job."],
    "detractor": ["Waited 40 minutes.", "Nobody could fix my screen.", "Rude on the phone."],
}


def generate(responses: int, units: int, seed: int, fingerprint: str) -> None:
    """The account, its tree and touchpoints, `responses` answers over DAYS local days ending
    at END, and their rollups; then indexes, statistics and a sample check."""
    from django.db import connection, transaction

    from touchpoint.accounts.models import Account, Unit
    from touchpoint.reports import rollups
    from touchpoint.responses.actions import attribution_for

    rng = random.Random(seed)
    account = Account.objects.create(
        name=f"Bench ({fingerprint})", slug=ACCOUNT_SLUG, time_zone=TIME_ZONE
    )
    groups = build_tree(account, rng, units)
    by_id = {u.pk: u for u in Unit.objects.filter(account=account)}
    print(f"tree: {len(by_id):,} units; answers: {responses:,} over {DAYS} days")
    quality = {pk: rng.gauss(0, 0.5) for pk in by_id}
    attribution = {pk: json.dumps(attribution_for(u, by_id)) for pk, u in by_id.items()}
    zone = ZoneInfo(TIME_ZONE)
    first = END - dt.timedelta(days=DAYS - 1)

    # Answers per local day: weekly rhythm, December peak, 30 % growth over the two years.
    weights = []
    for i in range(DAYS):
        day = first + dt.timedelta(days=i)
        weekly = (1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 0.6)[day.weekday()]
        season = 1.35 if day.month == 12 else 1.0
        weights.append(weekly * season * (1 + 0.3 * i / DAYS))
    scale = responses / sum(weights)
    per_day = [int(w * scale) for w in weights]
    for i in range(responses - sum(per_day)):
        per_day[i % DAYS] += 1

    loader = Loader(connection)
    loader.drop_indexes()
    month_deltas: rollups.Deltas = defaultdict(lambda: [0] * 11)
    month = first.replace(day=1)
    group_weights = [g.share for g in groups]
    for group in groups:
        group.cumulative = list(_accumulate(group.traffic))
        group.channel_cumulative = list(_accumulate(group.channel_weights))
    report_every = max(1, DAYS // 10)
    started = time.perf_counter()
    for i, count in enumerate(per_day):
        day = first + dt.timedelta(days=i)
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone)
        # Answers come between 08:00 and 22:00 local time, clear of DST switches at night.
        midnight_utc = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - noon.utcoffset()
        drift = 0.25 * math.sin(2 * math.pi * i / 365) + 0.2 * i / DAYS
        rows, answered = [], []
        picks = rng.choices(range(len(groups)), weights=group_weights, k=count)
        tally = [0] * len(groups)
        for g in picks:
            tally[g] += 1
        for group, k in zip(groups, tally, strict=True):
            if not k:
                continue
            touchpoint_id = group.touchpoint.pk
            chosen = rng.choices(group.units, cum_weights=group.cumulative, k=k)
            channels = rng.choices(group.channels, cum_weights=group.channel_cumulative, k=k)
            for unit, channel in zip(chosen, channels, strict=True):
                level = round((group.base + quality[unit.pk] + drift) * 10) + 20
                cumulative = _CUMULATIVE[min(max(level, 0), _LEVELS - 1)]
                score = bisect.bisect_left(cumulative, rng.random())
                at = midnight_utc + dt.timedelta(seconds=rng.randrange(8 * 3600, 22 * 3600))
                comment = ""
                if rng.random() < 0.2:
                    kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                    comment = rng.choice(_COMMENTS[kind])
                rows.append(
                    (
                        account.pk,
                        touchpoint_id,
                        channel,
                        score,
                        comment,
                        unit.pk,
                        unit.path,
                        attribution[unit.pk],
                        at,
                    )
                )
                answered.append((unit.path, touchpoint_id, channel, at, score))
        deltas = rollups.deltas_for(answered, TIME_ZONE)
        day_rows = []
        for key, histogram in deltas.items():
            if key[1] == "day":
                day_rows.append((account.pk, *key, *histogram))
            else:
                into = month_deltas[key]
                for s in range(11):
                    into[s] += histogram[s]
        next_day = day + dt.timedelta(days=1)
        flush_month = next_day.replace(day=1) != month or i == DAYS - 1
        with transaction.atomic():
            loader.responses(rows)
            loader.rollups(day_rows)
            if flush_month:
                loader.rollups([(account.pk, *k, *h) for k, h in month_deltas.items()])
        if flush_month:
            month_deltas.clear()
            month = next_day.replace(day=1)
        if (i + 1) % report_every == 0:
            done = sum(per_day[: i + 1])
            rate = done / (time.perf_counter() - started)
            print(f"  {day}: {done:,} answers ({rate:,.0f}/s)", flush=True)
    started = time.perf_counter()
    loader.create_indexes()
    print(f"indexes built and statistics gathered in {time.perf_counter() - started:,.0f} s")
    check_sample(account, groups)


def _accumulate(values) -> list[float]:
    out, running = [], 0.0
    for v in values:
        running += v
        out.append(running)
    return out


class Loader:
    """Bulk inserts through the driver: executemany on SQLite, COPY on PostgreSQL. The
    responses' secondary indexes are dropped for the load and built once at the end."""

    RESPONSE_COLUMNS = (
        "account_id",
        "touchpoint_id",
        "channel",
        "score",
        "comment",
        "unit_id",
        "unit_path",
        "attribution",
        "answered_at",
        "created_at",
        "updated_at",
        "answers",
        "locale",
        "segments",
    )
    TOTAL_COLUMNS = ("account_id", "unit_id", "grain", "period", *[f"s{n}" for n in range(11)])
    ROLLUP_COLUMNS = (*TOTAL_COLUMNS[:4], "touchpoint_id", "channel", *TOTAL_COLUMNS[4:])

    def __init__(self, connection):
        from touchpoint.reports.models import Rollup, RollupTotal
        from touchpoint.responses.models import Response

        self.connection = connection
        self.response_table = Response._meta.db_table
        self.rollup_table = Rollup._meta.db_table
        self.total_table = RollupTotal._meta.db_table
        self.dropped: list[str] = []
        connection.ensure_connection()
        self.raw = connection.connection
        if connection.vendor == "sqlite":
            # A throwaway database: no fsync during the load, and a 256 MiB page cache.
            self.raw.execute("PRAGMA synchronous = OFF")
            self.raw.execute("PRAGMA cache_size = -262144")

    def drop_indexes(self) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = %s AND sql IS NOT NULL",
                    [self.response_table],
                )
            else:
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    [self.response_table],
                )
            for name, sql in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                self.dropped.append(sql)

    def create_indexes(self) -> None:
        with self.connection.cursor() as cursor:
            for sql in self.dropped:
                cursor.execute(sql)
            if self.connection.vendor == "sqlite":
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if self.connection.vendor == "postgresql":
            # VACUUM sets the visibility map, so that index-only scans are possible.
            with self.raw.cursor() as cursor:
                autocommit = self.raw.autocommit
                self.raw.autocommit = True
                cursor.execute(f'VACUUM ANALYZE "{self.response_table}"')
                cursor.execute(f'VACUUM ANALYZE "{self.rollup_table}"')
                cursor.execute(f'VACUUM ANALYZE "{self.total_table}"')
                self.raw.autocommit = autocommit

    def responses(self, rows: list[tuple]) -> None:
        columns = ", ".join(self.RESPONSE_COLUMNS)
        if self.connection.vendor == "sqlite":
            data = []
            for row in rows:
                at = row[-1].replace(tzinfo=None).isoformat(" ")  # as Django stores it
                data.append((*row[:-1], at, at, at, "{}", "en", "{}"))
            marks = ", ".join("?" * len(self.RESPONSE_COLUMNS))
            self.raw.executemany(
                f'INSERT INTO "{self.response_table}" ({columns}) VALUES ({marks})', data
            )
            return
        sql = f'COPY "{self.response_table}" ({columns}) FROM STDIN'
        with self.raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                at = row[-1]
                copy.write_row((*row[:-1], at, at, at, "{}", "en", "{}"))

    def rollups(self, rows: list[tuple]) -> None:
        """(account, *key, *histogram) rows as `rollups.deltas_for` keys them: a total's key
        has no touchpoint, and goes to the totals table without its touchpoint and channel."""
        detailed = [row for row in rows if row[4] is not None]
        totals = [(*row[:4], *row[6:]) for row in rows if row[4] is None]
        self._copy(self.rollup_table, self.ROLLUP_COLUMNS, detailed)
        self._copy(self.total_table, self.TOTAL_COLUMNS, totals)

    def _copy(self, table: str, names: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        columns = ", ".join(names)
        if self.connection.vendor == "sqlite":
            marks = ", ".join("?" * len(names))
            data = [(*row[:3], row[3].isoformat(), *row[4:]) for row in rows]
            self.raw.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', data)
            return
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)


def check_sample(account, groups: list[Group]) -> None:
    """The generated rollups of a few units (a leaf, a team-like middle unit, the brand at small
    sizes) equal a recount of their raw answers with the live path's own arithmetic, as
    `rollups.rebuild` would store them."""
    from touchpoint.accounts.models import Unit
    from touchpoint.reports import rollups
    from touchpoint.reports.models import Rollup, RollupTotal
    from touchpoint.responses.models import Response

    sample = [groups[0].units[0], groups[1].units[-1], groups[1].units[0].parent]
    total = Response.objects.filter(account=account).count()
    if total <= 200_000:
        sample.append(Unit.objects.get(account=account, depth=0))
    for unit in sample:
        rows = (
            Response.objects.filter(account=account, unit_path__startswith=unit.path)
            .values_list("unit_path", "touchpoint_id", "channel", "answered_at", "score")
            .iterator(chunk_size=20_000)
        )
        expected = {
            key: histogram
            for key, histogram in rollups.deltas_for(rows, account.time_zone).items()
            if key[0] == unit.pk
        }
        stored = {
            (r.unit_id, r.grain, r.period, r.touchpoint_id, r.channel): r.histogram
            for r in Rollup.objects.filter(unit=unit)
        }
        for r in RollupTotal.objects.filter(unit=unit):
            stored[(r.unit_id, r.grain, r.period, None, "")] = r.histogram
        if stored != expected:
            raise SystemExit(f"generated rollups of {unit} differ from a recount of its answers")
    print(f"rollups of {', '.join(str(u) for u in sample)} equal a recount of their answers")


# The query set ---------------------------------------------------------------------------------


@dataclass
class View:
    """One dashboard: a unit, its direct children, the periods it shows and how its trend is
    cut (the trend's span and grain belong to the query set being timed)."""

    level: str
    unit: object
    children: dict[int, object]  # child id -> child unit
    leaf_to_child: dict[int, int]  # any unit id below -> the child it belongs to
    touchpoint_ids: dict[str, int]  # slug -> id
    today: dt.date
    now: dt.datetime
    trend_grain: str = "month"
    cache: dict = field(default_factory=dict)

    @property
    def current(self) -> tuple[dt.date, dt.date]:
        return self.today - dt.timedelta(PERIOD_DAYS - 1), self.today

    @property
    def previous(self) -> tuple[dt.date, dt.date]:
        first, _ = self.current
        return first - dt.timedelta(PERIOD_DAYS), first - dt.timedelta(1)

    @property
    def trend_span(self) -> tuple[dt.date, dt.date]:
        """Weekly: the current period (as `figures.trend` for a 90-day request). Monthly: the
        12 months up to this one."""
        if self.trend_grain == "week":
            return self.current
        month = self.today.replace(day=1)
        for _ in range(11):
            month = (month - dt.timedelta(days=1)).replace(day=1)
        return month, self.today

    def trend_key(self, day: dt.date) -> dt.date:
        if self.trend_grain == "week":
            return day - dt.timedelta(day.weekday())
        return day.replace(day=1)

    def utc(self, day: dt.date) -> dt.datetime:
        """The instant local `day` starts."""
        zone = ZoneInfo(TIME_ZONE)
        return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)

    def span(self, days: tuple[dt.date, dt.date]) -> tuple[dt.datetime, dt.datetime]:
        return self.utc(days[0]), self.utc(days[1] + dt.timedelta(days=1))


def dashboard_levels(trend_grain: str) -> list[View]:
    from touchpoint.accounts.models import Account, Unit
    from touchpoint.surveys.models import Touchpoint

    account = Account.objects.get(slug=ACCOUNT_SLUG)
    units = list(Unit.objects.filter(account=account))
    touchpoint_ids = dict(Touchpoint.objects.filter(account=account).values_list("slug", "pk"))
    brand = next(u for u in units if u.depth == 0)
    region = next(u for u in units if u.kind == "region")
    store = next(u for u in units if u.kind == "store" and u.parent_id == region.pk)
    now = dt.datetime(END.year, END.month, END.day, 18, tzinfo=ZoneInfo(TIME_ZONE))
    views = []
    for level, unit in (("brand", brand), ("region", region), ("store", store)):
        unit.account = account
        children = {u.pk: u for u in units if u.parent_id == unit.pk}
        leaf_to_child = {
            u.pk: int(u.path[len(unit.path) :].split("/")[0])
            for u in units
            if u.path.startswith(unit.path) and u.pk != unit.pk
        }
        views.append(
            View(level, unit, children, leaf_to_child, touchpoint_ids, END, now, trend_grain)
        )
    return views


def _counts(histogram) -> object:
    from touchpoint.lib import nps

    return nps.Counts.from_histogram([int(c or 0) for c in histogram])


def _split(estimate) -> tuple[int, int, int]:
    return (estimate.promoters, estimate.passives, estimate.detractors)


# The dashboard as the application computes it --------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """A query set: one named callable per dashboard figure set, and how its trend is cut."""

    trend_grain: str
    queries: dict[str, Callable[[View], object]]


def _request(view: View):
    """The dashboard's report request for the current period (built once per view)."""
    from touchpoint.reports.params import check_report_request

    if "request" not in view.cache:
        first, last = view.current
        view.cache["request"] = check_report_request(
            unit=view.unit, start=first, end=last, now=view.now
        )
    return view.cache["request"]


def _counting():
    from touchpoint.reports import counting

    return counting


def _figures():
    from touchpoint.reports import figures

    return figures


def _estimates(histograms: dict) -> dict:
    """`counting.histograms` output ({(key,): 11 counts}) as an estimate per key."""
    from touchpoint.lib import nps

    return {key[0] if key else None: nps.estimate(_counts(h)) for key, h in histograms.items()}


def _total_estimate(histograms: dict):
    from touchpoint.lib import nps

    return nps.estimate(_counts(sum(column) for column in zip(*histograms.values(), strict=True)))


# `reports/counting.py` and `reports/figures.py`, the dashboard's own modules: the figures
# `figures.report` computes, one callable each. (Until they landed, `responses/summary.py` and
# thin rollup stand-ins.)
REPORT_QUERIES = Dashboard(
    "week",
    {
        "headline": lambda v: _total_estimate(
            _counting().histograms(_request(v)) or {(): [0] * 11}
        ),
        "previous period": lambda v: _total_estimate(
            _counting().histograms(_request(v).previous()) or {(): [0] * 11}
        ),
        "trend": lambda v: _figures().trend(_request(v), "week"),
        "by touchpoint": lambda v: _estimates(_counting().histograms(_request(v), ("touchpoint",))),
        "by channel": lambda v: _estimates(_counting().histograms(_request(v), ("channel",))),
        "leaderboard": lambda v: _figures().leaderboard(_request(v)),
    },
)

# The query set timed: switching to the dashboard's own module is this one line.
DASHBOARD = REPORT_QUERIES


def canonical(name: str, result, view: View) -> object:
    """A figure set reduced to its counts, to check that every engine found the same."""

    def split(item) -> tuple[int, int, int]:
        return _split(getattr(item, "estimate", item))

    if name in ("headline", "previous period"):
        return split(result)
    if name == "trend":
        points = ((p.figure.key, p.figure) if hasattr(p, "figure") else p for p in result)
        return {key: split(e) for key, e in points if split(e) != (0, 0, 0)}
    if name == "leaderboard":
        out = {}
        for _, rows in result:
            for row in rows:
                if isinstance(row, dict):  # the raw engines' rows
                    out[row["unit"].pk] = split(row["estimate"])
                else:
                    out[row.unit.pk] = split(row.figure)
        return out
    items = result.items() if isinstance(result, dict) else ((f.key, f) for f in result)
    found = {view.touchpoint_ids.get(key, key): split(e) for key, e in items}
    return {key: counts for key, counts in found.items() if counts != (0, 0, 0)}


def ranked(view: View, counts: dict[int, object]) -> list:
    """Children ranked among their own kind as `figures.leaderboard` ranks them, for the
    engines that count from raw answers."""
    from touchpoint.lib import nps

    by_kind: dict[str, dict] = {}
    for unit_id, c in counts.items():
        kind = view.children[unit_id].get_kind_display()
        by_kind.setdefault(kind, {})[unit_id] = c
    return [
        (
            kind,
            [
                {"unit": view.children[u], "shrunk": s, "estimate": nps.estimate(group[u])}
                for u, s in nps.rank(group)
            ],
        )
        for kind, group in sorted(by_kind.items())
    ]


class Histograms:
    """Turns (key..., score, count) rows into estimates."""

    @staticmethod
    def total(rows) -> object:
        from touchpoint.lib import nps

        histogram = [0] * 11
        for score, n in rows:
            histogram[score] += n
        return nps.estimate(_counts(histogram))

    @staticmethod
    def counts_by(rows) -> dict:
        histograms: dict = defaultdict(lambda: [0] * 11)
        for key, score, n in rows:
            histograms[key][score] += n
        return {key: _counts(h) for key, h in histograms.items()}

    @classmethod
    def by(cls, rows) -> dict:
        from touchpoint.lib import nps

        return {key: nps.estimate(c) for key, c in cls.counts_by(rows).items()}

    @staticmethod
    def trend(view: View, rows) -> list:
        """(local day, score, count) rows into the view's trend points."""
        from touchpoint.lib import nps

        histograms: dict = defaultdict(lambda: [0] * 11)
        for day, score, n in rows:
            day = day.date() if isinstance(day, dt.datetime) else day
            histograms[view.trend_key(day)][score] += n
        return sorted((key, nps.estimate(_counts(h))) for key, h in histograms.items())

    @staticmethod
    def leaderboard(view: View, rows) -> list:
        """(unit id, score, count) rows, any unit below, into the children's leaderboard."""
        per_child: dict = defaultdict(lambda: [0] * 11)
        for unit_id, score, n in rows:
            child = view.leaf_to_child.get(unit_id)
            if child is not None:
                per_child[child][score] += n
        return ranked(view, {child: _counts(h) for child, h in per_child.items()})


def raw_dashboard() -> dict[str, Callable[[View], object]]:
    """The same figures by a GROUP BY over the raw responses, filtered to the unit's subtree by
    its path prefix and to the period by answer time."""
    from django.db.models import Case, Count, Value, When

    from touchpoint.responses.models import Response

    def answers(view: View, days: tuple[dt.date, dt.date], *group: str):
        start, end = view.span(days)
        rows = Response.objects.filter(
            account_id=view.unit.account_id,
            unit_path__startswith=view.unit.path,
            answered_at__gte=start,
            answered_at__lt=end,
        )
        return rows.values_list(*group, "score").annotate(n=Count("*")).order_by()

    def trend(view: View) -> list:
        """Each answer bucketed by comparing its time with the instants the trend's local
        weeks or months start: exact across DST, and plain comparisons in SQL (a time zone
        conversion per row runs in Python on SQLite, which would flatter the rollups)."""
        first, last = view.trend_span
        starts = sorted(
            {view.trend_key(first + dt.timedelta(d)) for d in range((last - first).days + 1)}
        )
        bucket = Case(
            *(
                When(answered_at__lt=view.utc(key), then=Value(i))
                for i, key in enumerate(starts[1:])
            ),
            default=Value(len(starts) - 1),
        )
        rows = answers(view, view.trend_span).annotate(bucket=bucket)
        rows = rows.values_list("bucket", "score").annotate(n=Count("*"))
        return Histograms.trend(view, ((starts[b], s, n) for b, s, n in rows))

    return {
        "headline": lambda v: Histograms.total(answers(v, v.current)),
        "previous period": lambda v: Histograms.total(answers(v, v.previous)),
        "trend": trend,
        "by touchpoint": lambda v: Histograms.by(answers(v, v.current, "touchpoint_id")),
        "by channel": lambda v: Histograms.by(answers(v, v.current, "channel")),
        "leaderboard": lambda v: Histograms.leaderboard(v, answers(v, v.current, "unit_id")),
    }


def duckdb_dashboard(parquet: Path) -> dict[str, Callable[[View], object]]:
    """The same figures by DuckDB scanning the raw rows in a Parquet file (answer order)."""
    import duckdb

    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.execute(f"CREATE VIEW r AS SELECT * FROM read_parquet('{parquet}')")

    def answers(view: View, days: tuple[dt.date, dt.date], *group: str) -> list:
        start, end = view.span(days)
        columns = ", ".join([*group, "score"])
        sql = (
            f"SELECT {columns}, count(*) FROM r WHERE starts_with(unit_path, ?) "
            f"AND answered_at >= ? AND answered_at < ? GROUP BY ALL"
        )
        return db.execute(sql, [view.unit.path, start, end]).fetchall()

    day = f"CAST(timezone('{TIME_ZONE}', answered_at) AS DATE)"
    return {
        "headline": lambda v: Histograms.total(answers(v, v.current)),
        "previous period": lambda v: Histograms.total(answers(v, v.previous)),
        "trend": lambda v: Histograms.trend(v, answers(v, v.trend_span, day)),
        "by touchpoint": lambda v: Histograms.by(answers(v, v.current, "touchpoint_id")),
        "by channel": lambda v: Histograms.by(answers(v, v.current, "channel")),
        "leaderboard": lambda v: Histograms.leaderboard(v, answers(v, v.current, "unit_id")),
    }


def export_parquet(target: Target, responses: int, workdir: Path, *, reuse: bool) -> Path | None:
    """The raw rows, in answer order, in a Parquet file for DuckDB (made once per database)."""
    try:
        import duckdb
    except ImportError:
        print("DuckDB: not installed (pip install -e '.[bench]'), engine skipped")
        return None
    from django.db import connection

    from touchpoint.responses.models import Response

    stem = Path(target.name).stem if target.vendor == "sqlite" else target.name
    parquet = workdir / f"{stem}.parquet"
    if reuse and parquet.exists():
        found = duckdb.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchall()[0][0]
        if found == responses:
            return parquet
    started = time.perf_counter()
    table = Response._meta.db_table
    columns = "unit_id, unit_path, touchpoint_id, channel, score"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", dir=workdir, newline="") as dump:
        connection.ensure_connection()
        raw = connection.connection
        if connection.vendor == "sqlite":
            writer = csv.writer(dump)
            cursor = raw.execute(f'SELECT {columns}, answered_at FROM "{table}" ORDER BY id')
            while chunk := cursor.fetchmany(50_000):
                writer.writerows(chunk)
        else:
            sql = (
                f"COPY (SELECT {columns}, to_char(answered_at AT TIME ZONE 'UTC', "
                f"'YYYY-MM-DD HH24:MI:SS.US') FROM \"{table}\" ORDER BY id) TO STDOUT WITH CSV"
            )
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for data in copy:
                    dump.write(bytes(data).decode())
        dump.flush()
        types = (
            "{'unit_id': 'BIGINT', 'unit_path': 'VARCHAR', 'touchpoint_id': 'BIGINT', "
            "'channel': 'VARCHAR', 'score': 'SMALLINT', 'answered_at': 'TIMESTAMP'}"
        )
        duckdb.execute("SET TimeZone = 'UTC'")
        duckdb.execute(
            f"COPY (SELECT * REPLACE (timezone('UTC', answered_at) AS answered_at) "
            f"FROM read_csv('{dump.name}', header = false, columns = {types})) "
            f"TO '{parquet}' (FORMAT parquet)"
        )
    print(f"raw rows exported to Parquet for DuckDB in {time.perf_counter() - started:,.0f} s")
    return parquet


# Timing ----------------------------------------------------------------------------------------


@dataclass
class Timing:
    level: str
    query: str
    engine: str
    seconds: list[float]
    cpu: list[float]  # this process's CPU time: all of SQLite's and DuckDB's work, not a server's

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure(
    level: str, engine: str, queries: dict, view: View, runs: int, warmup: int
) -> tuple[list[Timing], dict]:
    """Runs the whole query set `warmup` times untimed, then `runs` times, timing each query
    and the set as a whole (wall clock, and this process's CPU time). Returns the timings and
    the figures of the last run."""
    results = {}
    for _ in range(warmup):
        for name, call in queries.items():
            results[name] = call(view)
    names = [*queries, "full set"]
    seconds: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        whole = whole_cpu = 0.0
        for name, call in queries.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            results[name] = call(view)
            took, took_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            seconds[name].append(took)
            cpu[name].append(took_cpu)
            whole += took
            whole_cpu += took_cpu
        seconds["full set"].append(whole)
        cpu["full set"].append(whole_cpu)
    return [Timing(level, q, engine, seconds[q], cpu[q]) for q in names], results


def run(levels: list[View], parquet: Path | None, *, runs: int, raw_runs: int, warmup: int):
    from django.db import connection

    app = "rollups (" + connection.vendor + ")"
    engines = [(app, DASHBOARD.queries, runs), ("raw GROUP BY", raw_dashboard(), raw_runs)]
    if parquet is not None:
        engines.append(("DuckDB (Parquet)", duckdb_dashboard(parquet), raw_runs))
    timings = []
    for view in levels:
        figures = {}
        for engine, queries, n in engines:
            print(
                f"timing {view.level} ({view.unit.name}), {engine}: {n} runs, load {load()}",
                flush=True,
            )
            # No warm-up pass for the raw GROUP BY: a pass over millions of rows takes seconds,
            # and the median of its runs already leaves out a cold first one.
            rounds = warmup if engine == app else 0 if engine == "raw GROUP BY" else min(warmup, 1)
            found, results = measure(view.level, engine, queries, view, n, rounds)
            timings += found
            figures[engine] = {name: canonical(name, r, view) for name, r in results.items()}
        for engine, found in figures.items():
            for name, value in found.items():
                if value != figures[app][name]:
                    raise SystemExit(f"{view.level} {name}: {engine} disagrees with {app}")
        print(f"  {view.level}: every engine found the same figures")
    return timings


def print_table(timings: list[Timing]) -> None:
    by_key = {(t.level, t.query, t.engine): t for t in timings}
    engines = list(dict.fromkeys(t.engine for t in timings))
    app, raw = engines[0], engines[1]
    duck = engines[2] if len(engines) > 2 else None
    header = (
        f"| {'level':<6} | {'query set':<15} | {'engine':<18} | {'runs':>4} | {'median ms':>9} "
        f"| {'p95 ms':>9} | {'cpu ms':>9} | {'vs raw':>8} | verdict"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:]))
    misses = 0
    for level, query in dict.fromkeys((t.level, t.query) for t in timings):
        base = by_key[(level, query, raw)].median
        for engine in engines:
            t = by_key[(level, query, engine)]
            verdict = ""
            if engine == app:
                checks = [
                    ("p95 ≤ 50 ms", t.p95 <= TARGET_P95),
                    ("≥ 100x raw", base / t.median >= TARGET_SPEEDUP),
                ]
                if duck:
                    checks.append(("< DuckDB", t.median < by_key[(level, query, duck)].median))
                misses += sum(not ok for _, ok in checks)
                verdict = ", ".join(f"{label} {'yes' if ok else 'NO'}" for label, ok in checks)
            print(
                f"| {level:<6} | {query:<15} | {engine:<18} | {len(t.seconds):>4} "
                f"| {t.median * 1000:>9.2f} | {t.p95 * 1000:>9.2f} "
                f"| {statistics.median(t.cpu) * 1000:>9.2f} "
                f"| {base / t.median:>7.0f}x | {verdict}"
            )
    print(f"\ntargets missed: {misses}" if misses else "\nevery target met")
    print(
        "median and p95: wall clock; cpu ms: median CPU time of this process (all the work for "
        "SQLite and DuckDB, the client's share only for PostgreSQL); vs raw: raw median / median"
    )


if __name__ == "__main__":
    sys.exit(main())
