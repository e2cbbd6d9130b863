"""Segment read speed (issue 19): a declared dimension's rollups against the raw GROUP BY and
DuckDB, and the raw path for what has no rollups, on a throwaway database of synthetic answers.

    .venv/bin/python benchmarks/segments.py [--responses 1000000] [--stores 400] [--runs 30]
        [--raw-runs 5]

1. Generates an account (brand → regions → stores), `--contacts` customers who come back
   (each answers about responses / contacts times, mostly at one store) with a `tier` (5
   values) and a `city` (20 values), and `--responses` answers over the 365 days up to the
   moment of the run whose interactions carry a
   `phone_model` (12 values) and a `delivery` (2 values): each answer's segment snapshot, as
   the answer door stores it. Declares `contact.tier` and `interaction.phone_model` and fills
   every rollup and segment rollup with `reports.folding.rebuild` (the code the live path
   and `rebuild-rollups` use).
2. Times, at brand, region and store over the last 90 days: a filter on one declared value
   (`contact.tier=gold`) and `group_by` the declared dimension (both from its rollups), two
   segments combined (`contact.tier=gold` and `interaction.phone_model=…`) and an undeclared
   attribute (`contact.city=…`) (both from the raw answers, the application's own functions);
   and, as anchors in the same run, the raw GROUP BY of the declared filter and group, and
   DuckDB over the same rows in Parquet for every query. Every engine's counts must agree.
3. Prints level x query x engine: median and p95, and the verdicts (p95 ≤ 50 ms for one
   declared dimension, ≤ 1 s for combinations and undeclared attributes).

Database: DATABASE_URL (SQLite file or PostgreSQL) with "bench" in its name, or a new one;
default a SQLite file in the temp directory. It is recreated on each run (see
benchmarks/reports.py, whose guard this script shares).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
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
        levels = kept()
    else:
        _, levels = generate(args.responses, contacts, args.stores, args.seed, csv_path)
        print(f"generated and rolled up in {time.perf_counter() - started:,.0f} s")
    parquet = export_parquet(csv_path)
    rows = []
    for level, unit in levels:
        rows += measure(level, unit, parquet, runs=args.runs, raw_runs=args.raw_runs)
    print_table(rows)
    print(f"load average at end: {load()}")
    return 0


def kept() -> list:
    from django.db import connection

    from touchpoint.accounts.models import Unit
    from touchpoint.responses.models import Response

    units = {u.code: u for u in Unit.objects.filter(account__slug="bench-seg")}
    count = Response.objects.filter(account__slug="bench-seg").count()
    print(f"kept: {len(units)} units; {count:,} answers")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [("brand", units["brand"]), ("region", units["r0"]), ("store", units["s0"])]


def generate(responses: int, contacts: int, stores: int, seed: int, csv_path: Path):
    from django.db import connection
    from django.utils import timezone

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.accounts.models import Account, Unit
    from touchpoint.contacts.models import Contact
    from touchpoint.lib.bulk import build, bulk_insert
    from touchpoint.lib.segments import snapshot
    from touchpoint.reports import folding
    from touchpoint.reports.dimensions import do_declare_dimension
    from touchpoint.responses.actions import attribution_for
    from touchpoint.responses.models import Response
    from touchpoint.surveys.models import Touchpoint

    rng = random.Random(seed)
    began = time.perf_counter()
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
    print(f"tree: {len(by_id)} units; {contacts:,} contacts; {responses:,} answers")
    now = timezone.now()
    people_ids = []
    batch: list = []
    for n, attributes in enumerate(people):
        batch.append(
            build(
                Contact,
                account_id=account.pk,
                email=f"c{n}@bench.example",
                attributes=attributes,
                created_at=now,
                updated_at=now,
            )
        )
        if len(batch) == 20_000:
            bulk_insert(batch)
            people_ids += [c.pk for c in batch]
            batch = []
    bulk_insert(batch)
    people_ids += [c.pk for c in batch]
    # Over the last DAYS days up to now; a CSV of the same rows for DuckDB.
    first = now - dt.timedelta(days=DAYS)
    csv_file = open(csv_path, "w", newline="")  # noqa: SIM115
    out = csv.writer(csv_file)
    out.writerow(["unit_path", "answered_at", "score", "tier", "city", "phone_model"])
    batch = []
    for _ in range(responses):
        who = rng.randrange(contacts)
        store = shops[home[who] if rng.random() < 0.8 else rng.randrange(stores)]
        person = people[who]
        level = {"gold": 1.0, "platinum": 1.5, "staff": 2.0}.get(person["tier"], 0)
        score = max(0, min(10, round(rng.gauss(7 + level * 0.5, 2.2))))
        properties = {"phone_model": rng.choice(MODELS), "delivery": rng.choice(["home", "store"])}
        at = first + dt.timedelta(seconds=rng.randrange(DAYS * 86_400))
        batch.append(
            build(
                Response,
                account_id=account.pk,
                contact_id=people_ids[who],
                unit_id=store.pk,
                unit_path=store.path,
                attribution=attribution[store.pk],
                touchpoint_id=rng.choice(touchpoints).pk,
                channel=rng.choice(["email", "email", "sms", "web"]),
                score=score,
                answered_at=at,
                segments=snapshot(person, properties),
                created_at=now,
                updated_at=now,
            )
        )
        out.writerow(
            [
                store.path,
                at.isoformat(),
                score,
                person["tier"],
                person["city"],
                properties["phone_model"],
            ]
        )
        if len(batch) == 20_000:
            bulk_insert(batch)
            batch = []
    bulk_insert(batch)
    csv_file.close()
    print(f"answers stored in {time.perf_counter() - began:,.0f} s")
    for name in ("contact.tier", "interaction.phone_model"):
        do_declare_dimension(account, name)
    started = time.perf_counter()
    counted = folding.rebuild(account)
    print(f"rebuild-rollups: {counted:,} answers in {time.perf_counter() - started:,.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    region = regions[0]
    return account, [("brand", brand), ("region", region), ("store", shops[0])]


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
    assert counting.plan(both)[0] == counting.plan(city)[0] == "responses"

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
        ("two combined", "app", lambda: counting.histograms(request(**BOTH)), raw_runs, total),
        (
            "undeclared attribute",
            "app",
            lambda: counting.histograms(request(**CITY)),
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
