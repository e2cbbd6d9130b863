"""Segment read speed (issue 19): a declared dimension's rollups against the raw GROUP BY and
DuckDB, and the raw path for what has no rollups, on a throwaway database of synthetic answers.

    .venv/bin/python benchmarks/segments.py [--responses 1000000] [--stores 400] [--runs 30]
        [--raw-runs 5]

1. Generates an account (brand → regions → stores), `--contacts` customers who come back
   (each answers about responses / contacts times) with a `tier` (5 values) and a `city`
   (20 values), and `--responses` answers over a year whose interactions carry a
   `phone_model` (12 values) and a `delivery` (2 values): each answer's segment snapshot, as
   the answer door stores it. Declares `contact.tier` and `interaction.phone_model` and fills
   every rollup and segment rollup with `reports.folding.rebuild` (the code the live path
   and `rebuild-rollups` use).
2. Times, at brand, region and store over the last 90 days: a filter on one declared value
   (`contact.tier=gold`) and `group_by` the declared dimension (both from its rollups), two
   segments combined (`contact.tier=gold` and `interaction.phone_model=…`) and an undeclared
   attribute (`contact.city=…`) (both from the raw answers, the application's own functions);
   and, as anchors in the same run, the raw GROUP BY of the declared filter and DuckDB over
   the same rows exported to Parquet. Every engine's counts must agree.
3. Prints level x query x engine: median and p95, and the verdicts (p95 ≤ 50 ms for one
   declared dimension, ≤ 1 s for combinations and undeclared attributes).

Database: DATABASE_URL (SQLite file or PostgreSQL) with "bench" in its name, or a new one;
default a SQLite file in the temp directory. It is recreated on each run (see
benchmarks/reports.py, whose guard this script shares).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from reports import Target, load  # noqa: E402  (benchmarks/reports.py: the database guard)

TIME_ZONE = "Europe/Paris"
END = dt.date(2026, 11, 22)
DAYS = 365
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=None, help="default: responses / 4")
    parser.add_argument("--stores", type=int, default=400)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--raw-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    contacts = args.contacts or max(1, args.responses // 4)

    workdir = Path(tempfile.gettempdir()) / "touchpoint-bench"
    workdir.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench-segments.sqlite3'}"
    target = Target.parse(url)
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
    account, levels = generate(args.responses, contacts, args.stores, args.seed)
    print(f"generated and rolled up in {time.perf_counter() - started:,.0f} s")
    parquet = export_parquet(account, workdir)
    rows = []
    for level, unit in levels:
        rows += measure(level, unit, parquet, runs=args.runs, raw_runs=args.raw_runs)
    print_table(rows)
    print(f"load average at end: {load()}")
    return 0


def generate(responses: int, contacts: int, stores: int, seed: int):
    from django.db import connection

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.accounts.models import Account, Unit
    from touchpoint.lib.bulk import bulk_insert
    from touchpoint.lib.segments import snapshot
    from touchpoint.reports import folding
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
    attribution = {u.pk: attribution_for(u, by_id) for u in shops}
    touchpoints = [
        Touchpoint.objects.create(account=account, slug=s, name=s)
        for s in ("store-purchase", "repair", "support-call")
    ]
    people = [
        {"tier": rng.choices(TIERS, TIER_WEIGHTS)[0], "city": rng.choice(CITIES)}
        for _ in range(contacts)
    ]
    home = [rng.randrange(stores) for _ in range(contacts)]  # customers return to one store
    first = dt.datetime.combine(END - dt.timedelta(DAYS - 1), dt.time(8), ZoneInfo(TIME_ZONE))
    print(f"tree: {len(by_id)} units; {contacts:,} contacts; {responses:,} answers")
    batch: list = []
    for _ in range(responses):
        who = rng.randrange(contacts)
        store = shops[home[who] if rng.random() < 0.8 else rng.randrange(stores)]
        level = {"gold": 1.0, "platinum": 1.5, "staff": 2.0}.get(people[who]["tier"], 0)
        score = max(0, min(10, round(rng.gauss(7 + level * 0.5, 2.2))))
        properties = {"phone_model": rng.choice(MODELS), "delivery": rng.choice(["home", "store"])}
        batch.append(
            Response(
                account=account,
                unit=store,
                unit_path=store.path,
                attribution=attribution[store.pk],
                touchpoint=rng.choice(touchpoints),
                channel=rng.choice(["email", "email", "sms", "web"]),
                score=score,
                answered_at=first
                + dt.timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(14 * 3600)),
                segments=snapshot(people[who], properties),
            )
        )
        if len(batch) == 20_000:
            bulk_insert(batch)
            batch = []
    bulk_insert(batch)
    for name in ("contact.tier", "interaction.phone_model"):
        do_declare_dimension(account, name)
    started = time.perf_counter()
    counted = folding.rebuild(account)
    print(f"rebuild-rollups: {counted:,} answers in {time.perf_counter() - started:,.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    region = regions[0]
    return account, [("brand", brand), ("region", region), ("store", shops[0])]


def export_parquet(account, workdir: Path) -> Path | None:
    try:
        import duckdb
    except ImportError:
        print("DuckDB not installed: skipped (pip install -e '.[bench]')")
        return None
    from touchpoint.responses.models import Response

    path = workdir / "bench-segments.parquet"
    rows = Response.objects.filter(account=account).values_list(
        "unit_path", "answered_at", "score", "segments"
    )
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE r (unit_path VARCHAR, answered_at TIMESTAMPTZ, score INTEGER, "
        "tier VARCHAR, city VARCHAR, phone_model VARCHAR)"
    )
    chunk = []
    for path_, at, score, segments in rows.iterator(chunk_size=50_000):
        chunk.append(
            (
                path_,
                at,
                score,
                segments.get("contact.tier"),
                segments.get("contact.city"),
                segments.get("interaction.phone_model"),
            )
        )
        if len(chunk) == 50_000:
            db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", chunk)
            chunk = []
    if chunk:
        db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", chunk)
    db.execute(f"COPY r TO '{path}' (FORMAT parquet)")
    return path


def measure(level: str, unit, parquet: Path | None, *, runs: int, raw_runs: int) -> list:
    from django.utils import timezone

    from touchpoint.reports import counting
    from touchpoint.reports.params import check_report_request

    end = END
    start = end - dt.timedelta(PERIOD_DAYS - 1)
    now = timezone.now()

    def request(**segments):
        return check_report_request(
            unit=unit, start=start, end=end, segments=segments or None, now=now
        )

    gold = request(**{"contact.tier": ["gold"]})
    both = request(**{"contact.tier": ["gold"], "interaction.phone_model": [MODELS[7]]})
    city = request(**{"contact.city": [CITIES[3]]})
    plain = request()
    # Each timed call checks its request afresh, as a page or API call does.
    queries: list[tuple[str, str, Callable[[], object], int]] = [
        ("declared filter", "app", lambda: counting.histograms(request(**GOLD)), runs),
        ("declared group_by", "app", lambda: counting.histograms(request(), TIER), runs),
        ("two combined", "app", lambda: counting.histograms(both), raw_runs),
        ("undeclared attribute", "app", lambda: counting.histograms(city), raw_runs),
        ("declared filter", "raw GROUP BY", lambda: counting._from_responses(gold, ()), raw_runs),
    ]
    assert counting.plan(gold)[0] == "segments"
    assert counting.plan(plain, TIER)[0] == "segments"
    assert counting.plan(both)[0] == counting.plan(city)[0] == "responses"
    expected = sum(counting.summed(counting._from_responses(gold, ())))
    assert sum(counting.summed(counting.histograms(gold))) == expected, "engines disagree"
    if parquet is not None:
        duck = _duckdb(parquet, unit, start, end)
        queries.append(("declared filter", "DuckDB", duck, raw_runs))
        assert queries[-1][2]() == expected, "DuckDB disagrees"
    out = []
    for name, engine, run, n in queries:
        run()  # warm
        times = []
        for _ in range(n):
            began = time.perf_counter()
            run()
            times.append(time.perf_counter() - began)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        out.append((level, name, engine, statistics.median(times), p95, n))
    return out


def _duckdb(parquet: Path, unit, start: dt.date, end: dt.date) -> Callable[[], int]:
    import duckdb

    db = duckdb.connect()
    db.execute(f"SET TimeZone = '{TIME_ZONE}'")
    sql = (
        f"SELECT count(*) FROM read_parquet('{parquet}') WHERE unit_path LIKE ? "
        "AND tier = 'gold' AND CAST(answered_at AS DATE) BETWEEN ? AND ?"
    )

    def run() -> int:
        return db.execute(sql, [f"%/{unit.pk}/%", start, end]).fetchone()[0]

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
