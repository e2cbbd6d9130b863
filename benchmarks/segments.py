"""Segment read speed (issue 19): a declared dimension's rollups against the raw GROUP BY and
DuckDB, and the raw path for what has no rollups, on a throwaway database of synthetic answers.

    .venv/bin/python benchmarks/segments.py [--responses 1000000] [--stores 400] [--runs 30]
        [--raw-runs 5] [--generate-only] [--keep [--rebuild]]
    (or benchmarks/reports.py --segments with the same options)

1. Generates an account (brand → regions → stores), `--contacts` customers who come back
   (each answers about responses / contacts times, mostly at one store) with a `tier` (5
   values) and a `city` (20 values), and `--responses` answers over the 365 days up to the
   moment of the run whose interactions carry a
   `phone_model` (12 values) and a `delivery` (2 values): each answer's segment snapshot, as
   the answer door stores it (`lib.segments.snapshot`, once per combination of values). Rows
   go in through the driver (executemany on SQLite, COPY on PostgreSQL) with the tables'
   secondary indexes, and on PostgreSQL their foreign keys, dropped for the load and built
   once at the end; rows/s are printed. Declares `contact.tier` and
   `interaction.phone_model` and fills every rollup and segment rollup, and the segment
   index, with `reports.folding.rebuild` (the code `rebuild-rollups` uses).
2. Times, at brand, region and store over the last 90 days: a filter on one declared value
   (`contact.tier=gold`) and `group_by` the declared dimension (both from its rollups), two
   segments combined (`contact.tier=gold` and `interaction.phone_model=…`) and an undeclared
   attribute (`contact.city=…`) (both from the segment index), the application's own
   functions; and, as anchors in the same run, the raw GROUP BY of every query (what the
   application read before the rollups and the index) and DuckDB over the same rows in
   Parquet. Every engine's counts must agree.
3. Prints level x query x engine: median and p95, and the verdicts (p95 ≤ 50 ms for one
   declared dimension, ≤ 1 s for combinations and undeclared attributes).

`--generate-only` stops before the rebuild; `--keep` measures a previous run's data again
(after migrating; it builds the segment index first, timed, when the data predates it),
`--keep --rebuild` rebuilds its rollups and index first, timed (what to run after a change to
what `rebuild` fills).

Database: DATABASE_URL (SQLite file or PostgreSQL) with "bench" in its name, or a new one;
default a SQLite file in the temp directory. It is recreated on each run (see
benchmarks/reports.py, whose guard this script shares).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from reports import Target, load  # noqa: E402  (benchmarks/reports.py: the database guard)

TIME_ZONE = "Europe/Paris"
DAYS = 365  # the answers' span, ending now (dates are relative to the day of the run)
PERIOD_DAYS = 90
TIERS = ["bronze", "silver", "gold", "platinum", "staff"]
TIER_WEIGHTS = [40, 30, 18, 8, 4]
CITIES = [f"City {n:02d}" for n in range(20)]
MODELS = [
    f"Nimbus {name}"
    for name in ["A1", "A2", "A3", "X1", "X2", "X3", "X4", "X5", "Pro", "Max", "Mini", "Fold"]
]
DECLARED_P95, RAW_P95 = 0.050, 1.0
TIER = ("contact.tier",)
GOLD = {"contact.tier": ["gold"]}
BOTH = {"contact.tier": ["gold"], "interaction.phone_model": [MODELS[7]]}
CITY = {"contact.city": [CITIES[3]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=None, help="default: responses / 4")
    parser.add_argument("--stores", type=int, default=400)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--raw-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="measure again the answers a previous run generated (and its CSV), after migrating",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="with --keep: rebuild the kept answers' rollups first (timed), as after a change "
        "to what `rebuild` fills",
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="stop after storing the answers, before the rebuild (finish with --keep --rebuild)",
    )
    args = parser.parse_args(argv)
    contacts = args.contacts or max(1, args.responses // 4)

    workdir = Path(tempfile.gettempdir()) / "touchpoint-bench"
    workdir.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench-segments.sqlite3'}"
    target = Target.parse(url)
    if not args.keep:
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
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor} {target.display}; load average {load()}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    stem = Path(target.name).stem  # the SQLite file's or PostgreSQL database's name
    csv_path = workdir / f"{stem}.csv"
    if args.keep:
        account, levels = kept()
    else:
        account, levels = generate(args.responses, contacts, args.stores, args.seed, csv_path)
        print(f"generated in {time.perf_counter() - started:,.0f} s", flush=True)
        if args.generate_only:
            return 0
    if args.rebuild or not args.keep:
        rebuild(account)
    elif not index_built(account):
        build_index(account)
    vacuum()
    parquet = export_parquet(csv_path)
    rows = []
    for level, unit in levels:
        rows += measure(level, unit, parquet, runs=args.runs, raw_runs=args.raw_runs)
    print_table(rows)
    print(f"load average at end: {load()}")
    return 0


def kept() -> list:

    from touchpoint.accounts.models import Account, Unit
    from touchpoint.responses.models import Response

    account = Account.objects.get(slug="bench-seg")
    units = {u.code: u for u in Unit.objects.filter(account=account)}
    count = Response.objects.filter(account=account).count()
    print(f"kept: {len(units)} units; {count:,} answers")
    return account, [("brand", units["brand"]), ("region", units["r0"]), ("store", units["s0"])]


def rebuild(account) -> None:
    """Every rollup and segment rollup from the answers, with the code `rebuild-rollups` runs."""
    from django.db import connection

    from touchpoint.reports import folding
    from touchpoint.reports.models import SegmentEntry

    started = time.perf_counter()
    counted = folding.rebuild(account)
    took = time.perf_counter() - started
    print(
        f"rebuild-rollups (rollups, segment rollups and the segment index): {counted:,} answers "
        f"in {took:,.0f} s ({counted / took:,.0f}/s); load average {load()}",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {SegmentEntry._meta.db_table}")
        print(f"segment index: {cursor.fetchone()[0]:,} entries")


def index_built(account) -> bool:
    from touchpoint.reports.models import FoldState

    return FoldState.objects.filter(account=account, indexed=True).exists()


def build_index(account) -> None:
    """The segment index of kept answers rolled up before it existed, with the code
    `rebuild-rollups` runs for it."""
    from django.db import connection, transaction

    from touchpoint.reports import segment_index
    from touchpoint.reports.models import SegmentEntry
    from touchpoint.reports.rollups import locked

    started = time.perf_counter()
    with transaction.atomic():
        locked(account.pk, wait=True)
        filed = segment_index.rebuild(account.pk, account.time_zone)
    took = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {SegmentEntry._meta.db_table}")
        entries = cursor.fetchone()[0]
    print(
        f"segment index built: {filed:,} answers, {entries:,} entries in {took:,.0f} s "
        f"({entries / took:,.0f} entries/s); load average {load()}",
        flush=True,
    )


def vacuum() -> None:
    """Statistics for the planner; on PostgreSQL also the visibility map, without which
    no scan is index-only (autovacuum does both on its own after a bulk load, later)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def generate(responses: int, contacts: int, stores: int, seed: int, csv_path: Path):
    """The account, its stores and contacts, and `responses` answers with their segment
    snapshots, written straight through the driver (`Bulk`); then the declared dimensions."""
    from django.db import connection, transaction
    from django.utils import timezone

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.accounts.models import Account, Unit
    from touchpoint.contacts.models import Contact
    from touchpoint.lib.segments import snapshot
    from touchpoint.reports.dimensions import do_declare_dimension
    from touchpoint.responses.actions import attribution_for
    from touchpoint.responses.models import Response
    from touchpoint.surveys.models import Touchpoint

    rng = random.Random(seed)
    account = Account.objects.create(name="Bench segments", slug="bench-seg", time_zone=TIME_ZONE)
    brand = do_create_unit(account=account, kind="brand", code="brand", name="Brand")
    regions = [
        do_create_unit(account=account, kind="region", code=f"r{n}", name=f"R{n}", parent=brand)
        for n in range(max(1, stores // 40))
    ]
    shops = [
        do_create_unit(
            account=account,
            kind="store",
            code=f"s{n}",
            name=f"S{n}",
            parent=regions[n % len(regions)],
        )
        for n in range(stores)
    ]
    by_id = {u.pk: u for u in Unit.objects.filter(account=account)}
    attribution = {u.pk: json.dumps(attribution_for(u, by_id)) for u in shops}
    touchpoints = [
        Touchpoint.objects.create(account=account, slug=s, name=s).pk
        for s in ("store-purchase", "repair", "support-call")
    ]
    people = [
        {"tier": rng.choices(TIERS, TIER_WEIGHTS)[0], "city": rng.choice(CITIES)}
        for _ in range(contacts)
    ]
    home = [rng.randrange(stores) for _ in range(contacts)]  # customers return to one store
    print(f"tree: {len(by_id)} units; {contacts:,} contacts; {responses:,} answers")
    now = timezone.now()
    bulk = Bulk(connection)
    began = time.perf_counter()
    with transaction.atomic():
        bulk.suspend(Contact)
        for offset in range(0, contacts, BATCH):
            bulk.insert(
                Contact,
                ("account_id", "email", "name", "locale", "time_zone", "attributes"),
                [
                    (account.pk, f"c{n}@bench.example", "", "", "", json.dumps(attributes))
                    for n, attributes in enumerate(people[offset : offset + BATCH], offset)
                ],
                now,
            )
        bulk.restore()
        first_contact = Contact.objects.filter(account=account).order_by("pk").first()
    assert first_contact is not None and first_contact.attributes == people[0]
    people_ids = list(
        Contact.objects.filter(account=account).order_by("pk").values_list("pk", flat=True)
    )
    print(f"  contacts stored in {time.perf_counter() - began:,.1f} s", flush=True)

    # Each answer's segment snapshot as the answer door stores it (`lib.segments.snapshot`),
    # made once per combination of a contact's attributes and an interaction's properties.
    snapshots: dict[tuple, str] = {}

    def segments_of(person: dict, properties: dict) -> str:
        key = (person["tier"], person["city"], properties["phone_model"], properties["delivery"])
        text = snapshots.get(key)
        if text is None:
            text = snapshots[key] = json.dumps(snapshot(person, properties))
        return text

    # Over the last DAYS days up to now; a CSV of the same rows for DuckDB.
    first = now - dt.timedelta(days=DAYS)
    sqlite = connection.vendor == "sqlite"
    columns = (
        "account_id",
        "contact_id",
        "unit_id",
        "unit_path",
        "attribution",
        "touchpoint_id",
        "channel",
        "score",
        "answered_at",
        "segments",
        "comment",
        "answers",
        "locale",
    )
    channels = ["email", "email", "sms", "web"]
    deliveries = ["home", "store"]
    levels = {"gold": 1.0, "platinum": 1.5, "staff": 2.0}
    seconds = DAYS * 86_400
    began, cpu = time.perf_counter(), time.process_time()
    with open(csv_path, "w", newline="") as csv_file, transaction.atomic():
        out = csv.writer(csv_file)
        out.writerow(["unit_path", "answered_at", "score", "tier", "city", "phone_model"])
        bulk.suspend(Response)
        done = 0
        while done < responses:
            rows, lines = [], []
            for _ in range(min(BATCH, responses - done)):
                who = rng.randrange(contacts)
                store = shops[home[who] if rng.random() < 0.8 else rng.randrange(stores)]
                person = people[who]
                level = levels.get(person["tier"], 0)
                score = max(0, min(10, round(rng.gauss(7 + level * 0.5, 2.2))))
                properties = {"phone_model": rng.choice(MODELS), "delivery": rng.choice(deliveries)}
                at = first + dt.timedelta(seconds=rng.randrange(seconds))
                rows.append(
                    (
                        account.pk,
                        people_ids[who],
                        store.pk,
                        store.path,
                        attribution[store.pk],
                        rng.choice(touchpoints),
                        rng.choice(channels),
                        score,
                        # SQLite: UTC text, as Django stores an aware datetime there
                        at.replace(tzinfo=None).isoformat(" ") if sqlite else at,
                        segments_of(person, properties),
                        "",
                        "{}",
                        "",
                    )
                )
                lines.append(
                    (
                        store.path,
                        at.isoformat(),
                        score,
                        person["tier"],
                        person["city"],
                        properties["phone_model"],
                    )
                )
            bulk.insert(Response, columns, rows, now)
            out.writerows(lines)
            done += len(rows)
            if done % (responses // 10 or 1) < BATCH or done == responses:
                rate = done / (time.perf_counter() - began)
                print(f"  {done:,} answers ({rate:,.0f}/s)", flush=True)
        loaded, cpu = time.perf_counter() - began, time.process_time() - cpu
        restored = time.perf_counter()
        bulk.restore()
        print(
            f"answers stored in {loaded:,.0f} s ({responses / loaded:,.0f} rows/s; this "
            f"process {cpu:,.0f} CPU s); indexes and constraints restored in "
            f"{time.perf_counter() - restored:,.0f} s; load average {load()}",
            flush=True,
        )
    # Read back through the ORM: the first answer as the answer door would have stored it.
    answer = Response.objects.select_related("contact").filter(account=account).earliest("pk")
    properties = {k[12:]: v for k, v in answer.segments.items() if k.startswith("interaction.")}
    assert answer.segments == snapshot(answer.contact.attributes, properties)
    assert answer.attribution == json.loads(attribution[answer.unit_id])
    for name in ("contact.tier", "interaction.phone_model"):
        do_declare_dimension(account, name)
    region = regions[0]
    return account, [("brand", brand), ("region", region), ("store", shops[0])]


BATCH = 50_000


class Bulk:
    """Rows straight through the driver: executemany on SQLite, COPY on PostgreSQL. While a
    table loads, its secondary indexes (and on PostgreSQL its foreign keys, checked row by row
    otherwise) are dropped; `restore` builds them once over the whole table."""

    def __init__(self, connection) -> None:
        self.connection = connection
        connection.ensure_connection()
        self.raw = connection.connection
        self.dropped: list[str] = []
        if connection.vendor == "sqlite":
            # A throwaway database: no fsync during the load, and a 256 MiB page cache.
            self.raw.execute("PRAGMA synchronous = OFF")
            self.raw.execute("PRAGMA cache_size = -262144")

    def suspend(self, model) -> None:
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
                for name, sql in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    self.dropped.append(sql)
                return
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                self.dropped.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            for name, sql in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                self.dropped.append(sql)

    def restore(self) -> None:
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for sql in self.dropped:
                cursor.execute(sql)
        self.dropped = []

    def insert(self, model, columns: tuple[str, ...], rows: list[tuple], now) -> None:
        table = model._meta.db_table
        names = ", ".join([*columns, "created_at", "updated_at"])
        if self.connection.vendor == "sqlite":
            stamp = now.replace(tzinfo=None).isoformat(" ")
            marks = ", ".join("?" * (len(columns) + 2))
            self.raw.executemany(
                f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
                [(*row, stamp, stamp) for row in rows],
            )
            return
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row((*row, now, now))


def export_parquet(csv_path: Path) -> Path | None:
    """The same answers as a Parquet file for DuckDB (from the CSV written as they were
    generated: reading ten million rows back through the ORM would take longer than the
    benchmark)."""
    try:
        import duckdb
    except ImportError:
        print("DuckDB not installed: skipped (pip install -e '.[bench]')")
        return None
    path = csv_path.with_suffix(".parquet")
    began = time.perf_counter()
    db = duckdb.connect()
    db.execute(
        "COPY (SELECT unit_path, CAST(answered_at AS TIMESTAMPTZ) AS answered_at, "
        "CAST(score AS INTEGER) AS score, tier, city, phone_model "
        f"FROM read_csv('{csv_path}', header = true, all_varchar = true)) "
        f"TO '{path}' (FORMAT parquet)"
    )
    print(f"Parquet copy for DuckDB written in {time.perf_counter() - began:,.1f} s")
    return path


def measure(level: str, unit, parquet: Path | None, *, runs: int, raw_runs: int) -> list:
    from django.utils import timezone

    from touchpoint.reports import counting
    from touchpoint.reports.params import check_report_request, local_today

    now = timezone.now()
    end = local_today(unit, now)
    start = end - dt.timedelta(PERIOD_DAYS - 1)

    def request(**segments):
        return check_report_request(
            unit=unit, start=start, end=end, segments=segments or None, now=now
        )

    gold = request(**GOLD)
    both = request(**{"contact.tier": ["gold"], "interaction.phone_model": [MODELS[7]]})
    city = request(**{"contact.city": [CITIES[3]]})
    plain = request()
    assert counting.plan(gold)[0] == "segments"
    assert counting.plan(plain, TIER)[0] == "segments"
    assert counting.plan(both)[0] == counting.plan(city)[0] == "index"

    def total(found) -> int:
        return sum(counting.summed(found))

    def tiers(found) -> dict:
        return {k[0] or "": sum(h) for k, h in found.items() if sum(h)}

    # Each timed call of the application checks its request afresh, as a page or API call
    # does. (name, engine, call, runs, the call's result as a comparable count)
    queries: list[tuple[str, str, Callable[[], object], int, Callable[[object], object]]] = [
        ("declared filter", "app", lambda: counting.histograms(request(**GOLD)), runs, total),
        (
            "declared filter",
            "raw GROUP BY",
            lambda: counting._from_responses(gold, ()),
            raw_runs,
            total,
        ),
        ("declared group_by", "app", lambda: counting.histograms(request(), TIER), runs, tiers),
        (
            "declared group_by",
            "raw GROUP BY",
            lambda: counting._from_responses(plain, TIER),
            raw_runs,
            tiers,
        ),
        ("two combined", "app", lambda: counting.histograms(request(**BOTH)), runs, total),
        (
            "two combined",
            "raw GROUP BY",
            lambda: counting._from_responses(both, ()),
            raw_runs,
            total,
        ),
        ("undeclared attribute", "app", lambda: counting.histograms(request(**CITY)), runs, total),
        (
            "undeclared attribute",
            "raw GROUP BY",
            lambda: counting._from_responses(city, ()),
            raw_runs,
            total,
        ),
    ]
    if parquet is not None:
        duck = _duckdb(parquet, unit, start, end)
        queries += [
            ("declared filter", "DuckDB", lambda: duck("tier = 'gold'"), raw_runs, int),
            ("declared group_by", "DuckDB", lambda: duck("true", "tier"), raw_runs, dict),
            (
                "two combined",
                "DuckDB",
                lambda: duck(f"tier = 'gold' AND phone_model = '{MODELS[7]}'"),
                raw_runs,
                int,
            ),
            (
                "undeclared attribute",
                "DuckDB",
                lambda: duck(f"city = '{CITIES[3]}'"),
                raw_runs,
                int,
            ),
        ]
    expected: dict[str, object] = {}
    out = []
    for name, engine, run, n, result in queries:
        found = result(run())  # warm, and every engine's answer must agree
        assert expected.setdefault(name, found) == found, f"{engine} disagrees on {name}"
        times = []
        for _ in range(n):
            began = time.perf_counter()
            run()
            times.append(time.perf_counter() - began)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        out.append((level, name, engine, statistics.median(times), p95, n))
    return out


def _duckdb(parquet: Path, unit, start: dt.date, end: dt.date) -> Callable[..., object]:
    import duckdb

    db = duckdb.connect()
    db.execute("SET threads = 2")
    db.execute(f"SET TimeZone = '{TIME_ZONE}'")

    def run(where: str, group: str = "") -> object:
        sql = (
            f"SELECT {group + ', ' if group else ''}count(*) FROM read_parquet('{parquet}') "
            f"WHERE unit_path LIKE ? AND {where} AND CAST(answered_at AS DATE) BETWEEN ? AND ?"
            f"{' GROUP BY 1' if group else ''}"
        )
        rows = db.execute(sql, [f"%/{unit.pk}/%", start, end]).fetchall()
        return {k or "": c for k, c in rows} if group else rows[0][0]

    return run


def print_table(rows: list) -> None:
    print()
    print("| level | query | engine | median ms | p95 ms | runs | goal |")
    print("|---|---|---|---|---|---|---|")
    for level, name, engine, median, p95, n in rows:
        goal = ""
        if engine == "app":
            limit = DECLARED_P95 if name.startswith("declared") else RAW_P95
            verdict = "met" if p95 <= limit else "MISSED"
            goal = f"p95 ≤ {limit * 1000:,.0f} ms: {verdict}"
        print(
            f"| {level} | {name} | {engine} | {median * 1000:,.1f} | {p95 * 1000:,.1f} | {n} "
            f"| {goal} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
