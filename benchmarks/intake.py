"""Intake throughput and memory with realistic rows: the batch API and the CSV import, beside
plain executemany of the same rows, on a throwaway database.

    .venv/bin/python benchmarks/intake.py [--rows 1000000] [--api-rows 50000]
        [--returning 0.3] [--seed 1]

The rows look like a brand's own feed: six journey touchpoints (store and online purchases,
support calls, repairs 48 h later, contact changes sampled one in two, cancellations) at 100
stores, 80 support agents and 3 repair centres; contacts with a time zone (twelve of them), a
locale, a name and attributes, an email (a fifth also a CRM id, some a phone, a few a phone
only: no address for an email survey); interaction times within the last three days, so that
invitations are really planned (2 % are late data older than the survey's expiry: stale); and
a share of rows (`--returning`) from contacts seen before, in the file or in an earlier batch,
whom the quarantine holds back.

Prints, for the batch API (POST /api/v1/interactions, 1,000 rows a request, through the
in-process test client: no HTTP server) and for the CSV import (`touchpoint
import-interactions`, check and import, in a child process as a user runs it): rows per
second (wall, and per CPU-second: on a shared machine the neighbours change the first), and
the invitations scheduled and suppressed (by reason); for the import, its peak memory, the
largest sum of the proportional set size (PSS) of the import and its validation workers,
sampled five times a second, and the peak of each tenth of its run (flat when memory does
not grow with the file). Two anchors, measured in the same run on the same database and
rows: the CSV file read with `csv.reader` and written with plain `executemany` into a table
of text columns, in one transaction; and the schema floor, each row's contact, interaction
and invitation written straight into the real tables with plain `executemany`, 2,000 rows a
transaction, no application code (what the indexes, unique constraints and foreign keys cost
by themselves), printed also for its writes alone (the time inside executemany and
commit, the rows' tuples made beforehand: what the database and its driver take, the most
any intake of these rows could reach this way). Goals: 20,000 rows/s, under 300 MB for
1 M rows.

DATABASE_URL: as for benchmarks/reports.py, a SQLite file (default, in the temp directory) or
a PostgreSQL database that is new, empty, or has "bench" in its name (recreated on each run);
anything else is refused, so a real installation is never touched.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from reports import Target, load  # noqa: E402  (the same guard against a real database)

GOAL_RATE = 20_000
GOAL_MB = 300

# (touchpoint, unit kind, share of the rows, extra properties)
TRAFFIC = [
    ("store-purchase", "store", 45),
    ("online-purchase", "store", 20),
    ("support-call", "agent", 15),
    ("repair", "repair", 8),
    ("contact-change", "store", 7),
    ("cancellation", "store", 5),
]
ZONES = [
    "Europe/Paris",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Lisbon",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
]
LOCALES = ["fr", "en", "de", "es", "pt-BR", "hi", "en-GB"]
FIRST = ["Zoé", "Ana", "Ben", "Chloé", "Dev", "Élodie", "Femi", "Grace", "Hugo", "Inès", "Jun"]
LAST = ["Martin", "Lima", "Okafor", "Dubois", "Patel", "Müller", "Silva", "García", "Sato"]
MODELS = ["Nimbus X5", "Nimbus X5 Pro", "Nimbus Lite", "Nimbus Fold", ""]
HEADER = [
    "external_id",
    "touchpoint",
    "unit",
    "occurred_at",
    "contact_email",
    "contact_phone",
    "contact_external_id",
    "contact_name",
    "contact_locale",
    "contact_time_zone",
    "contact.tier",
    "contact.plan",
    "contact.joined",
    "property.phone_model",
    "property.order_value",
    "property.payment",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the CSV file")
    parser.add_argument("--api-rows", type=int, default=50_000, help="rows sent to the API")
    parser.add_argument("--returning", type=float, default=0.3, help="share of known contacts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench-intake.sqlite3'}"
    target = Target.parse(url)
    target.make_fresh()
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
        ALLOWED_HOSTS="testserver",
    )
    os.environ.pop("DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    key, units = setup_account()
    print(f"database: {connection.vendor} {target.display}")
    print(f"load average at start: {load()}")
    feed = Feed(random.Random(args.seed), units, args.returning)

    path = workdir / "interactions.csv"
    api_batches = [feed.batch(1000) for _ in range(max(1, args.api_rows // 1000))]
    started = time.perf_counter()
    write_csv(path, feed, args.rows)
    print(
        f"generated: {args.rows:,} CSV rows ({path.stat().st_size / 1e6:,.0f} MB) and "
        f"{len(api_batches) * 1000:,} API rows in {time.perf_counter() - started:.0f} s; "
        f"{feed.returning:,} rows from returning contacts, {len(feed.seen):,} contacts"
    )

    # The floor first, on tables as empty as the import finds them, then its rows go.
    floor = schema_floor(path, args.rows)
    plain = anchor(path, args.rows)
    api, imported = batch_api(key, api_batches), csv_import(path, args.rows)
    print()
    print(
        f"{'':<30}{'rows/s':>9}{'rows/CPU-s':>11}{'scheduled':>11}{'suppressed':>11}{'peak MB':>9}"
    )
    for r in (api, imported, plain, floor):
        peak = f"{r['peak_mb']:,.0f}" if r.get("peak_mb") else "-"
        sched = f"{r['scheduled']:,}" if "scheduled" in r else "-"
        supp = f"{r['suppressed']:,}" if "suppressed" in r else "-"
        print(
            f"{r['name']:<30}{r['rate']:>9,.0f}{r['per_cpu']:>11,.0f}{sched:>11}{supp:>11}{peak:>9}"
        )
    print(
        f"schema floor, its writes alone (executemany and commit, the rows made beforehand): "
        f"{floor['writes_rate']:,.0f} rows/s"
    )
    print()
    for r in (api, imported):
        reasons = ", ".join(f"{n:,} {why}" for why, n in r["reasons"].most_common())
        print(f"{r['name']}: suppressed as {reasons or 'nothing'}")
        print(
            f"  {r['rate'] / plain['rate']:.3f}x the executemany anchor, "
            f"{r['rate'] / floor['rate']:.2f}x the schema floor; goal {GOAL_RATE:,} rows/s: "
            f"{'met' if r['rate'] >= GOAL_RATE else 'NOT met'}"
        )
    print(
        f"CSV import peak memory {imported['peak_mb']:,.0f} MB for {args.rows:,} rows (largest "
        f"single process {imported['max_rss_mb']:,.0f} MB); goal under {GOAL_MB} MB for "
        f"1,000,000: {'met' if imported['peak_mb'] < GOAL_MB else 'NOT met'}"
    )
    curve = " ".join(f"{mb:,.0f}" for mb in imported["curve_mb"])
    print(f"  peak of each tenth of the import, check pass then import pass (MB): {curve}")
    print(f"load average at end: {load()}")
    return 0


def setup_account() -> tuple[str, dict[str, list[str]]]:
    from touchpoint.accounts.actions import do_create_api_key, do_create_unit
    from touchpoint.accounts.models import Account
    from touchpoint.surveys.defaults import do_create_journey_touchpoints

    account = Account.objects.create(name="Bench", slug="bench", time_zone="Europe/Paris")
    do_create_journey_touchpoints(account)
    root = do_create_unit(account=account, kind="brand", code="bench", name="Bench")
    units: dict[str, list[str]] = {"store": [], "agent": [], "repair": []}
    for r in range(5):
        region = do_create_unit(
            account=account, kind="region", code=f"region-{r}", name=f"Region {r}", parent=root
        )
        for s in range(20):
            code = f"store-{r}{s:02d}"
            do_create_unit(account=account, kind="store", code=code, name=code, parent=region)
            units["store"].append(code)
    for v in range(2):
        vendor = do_create_unit(
            account=account, kind="vendor", code=f"vendor-{v}", name=f"Vendor {v}", parent=root
        )
        for t in range(4):
            team = do_create_unit(
                account=account, kind="team", code=f"team-{v}{t}", name="Team", parent=vendor
            )
            for a in range(10):
                code = f"agent-{v}{t}{a}"
                do_create_unit(account=account, kind="agent", code=code, name=code, parent=team)
                units["agent"].append(code)
    for c in range(3):
        code = f"repair-{c}"
        do_create_unit(account=account, kind="repair_centre", code=code, name=code, parent=root)
        units["repair"].append(code)
    return do_create_api_key(account=account, name="bench").secret, units


class Feed:
    """Interactions as a brand sends them; a contact's details are a function of its number,
    so a returning contact is sent exactly as the first time (identifiers included)."""

    def __init__(self, rng: random.Random, units: dict[str, list[str]], returning: float):
        self.rng = rng
        self.units = units
        self.returning_share = returning
        self.seen: list[int] = []
        self.returning = 0
        self.rows = 0
        self.now = dt.datetime.now(dt.UTC)
        self.touchpoints = [t for t, _, _ in TRAFFIC]
        self.weights = [w for _, _, w in TRAFFIC]
        self.kinds = {t: k for t, k, _ in TRAFFIC}
        self.zones = [ZoneInfo(z) for z in ZONES]

    def contact(self, n: int) -> dict:
        contact: dict = {"email": f"customer{n}@example.com"} if n % 25 else {}
        if n % 5 == 0:
            contact["external_id"] = f"crm-{n}"
        if n % 8 == 0 or not contact:
            contact["phone"] = f"+3361{n:08d}"
        contact.update(
            name=f"{FIRST[n % len(FIRST)]} {LAST[n // 7 % len(LAST)]}",
            locale=LOCALES[n % len(LOCALES)],
            time_zone=ZONES[n % len(ZONES)],
            attributes={
                "tier": ["standard", "plus", "premium"][n % 3],
                "plan": ["prepaid", "monthly", "business"][n // 3 % 3],
                "joined": str(2015 + n % 11),
            },
        )
        return contact

    def row(self) -> dict:
        rng = self.rng
        i = self.rows
        self.rows += 1
        if self.seen and rng.random() < self.returning_share:
            n = rng.choice(self.seen)
            self.returning += 1
        else:
            n = len(self.seen)
            self.seen.append(n)
        touchpoint = rng.choices(self.touchpoints, self.weights)[0]
        late = rng.random() < 0.02
        ago = dt.timedelta(days=rng.uniform(40, 60) if late else rng.uniform(0, 3))
        local = (self.now - ago).astimezone(self.zones[n % len(self.zones)])
        properties = {"payment": rng.choice(["card", "cash", "financing"])}
        if touchpoint in ("store-purchase", "online-purchase", "repair"):
            properties["phone_model"] = rng.choice(MODELS)
            properties["order_value"] = f"{rng.uniform(20, 1400):.2f}"
        return {
            "external_id": f"{touchpoint}-{i}",
            "touchpoint": touchpoint,
            "unit": rng.choice(self.units[self.kinds[touchpoint]]),
            "occurred_at": local.isoformat(timespec="seconds"),
            "contact": self.contact(n),
            "properties": {k: v for k, v in properties.items() if v},
        }

    def batch(self, size: int) -> str:
        return json.dumps({"interactions": [self.row() for _ in range(size)]})


def write_csv(path: Path, feed: Feed, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for _ in range(rows):
            r = feed.row()
            c, p = r["contact"], r["properties"]
            writer.writerow(
                [
                    r["external_id"],
                    r["touchpoint"],
                    r["unit"],
                    r["occurred_at"],
                    c.get("email", ""),
                    c.get("phone", ""),
                    c.get("external_id", ""),
                    c["name"],
                    c["locale"],
                    c["time_zone"],
                    c["attributes"]["tier"],
                    c["attributes"]["plan"],
                    c["attributes"]["joined"],
                    p.get("phone_model", ""),
                    p.get("order_value", ""),
                    p["payment"],
                ]
            )


def invitations() -> Counter:
    from django.db.models import Count

    from touchpoint.surveys.models import Invitation

    counts = Counter()
    for row in Invitation.objects.values("state", "reason").annotate(n=Count("id")):
        counts[(row["state"], row["reason"])] += row["n"]
    return counts


def outcome(name: str, rows: int, seconds: float, cpu: float, before: Counter) -> dict:
    after = invitations()
    after.subtract(before)
    scheduled = sum(n for (state, _), n in after.items() if state == "scheduled")
    reasons = Counter({why: n for (state, why), n in after.items() if state == "suppressed"})
    return {
        "name": name,
        "rate": rows / seconds,
        "per_cpu": rows / cpu,
        "scheduled": scheduled,
        "suppressed": sum(reasons.values()),
        "reasons": +reasons,
    }


def anchor(path: Path, rows: int) -> dict:
    """The same rows, read with csv.reader, through plain executemany (the driver's own
    cursor) into a table of text columns, in one transaction."""
    from django.db import connection, transaction

    columns = ", ".join(f'"{c}" text' for c in HEADER)
    postgres = connection.vendor == "postgresql"
    marks = ", ".join(["%s" if postgres else "?"] * len(HEADER))
    insert = f"INSERT INTO bench_anchor VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_anchor ({columns})")
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), open(path, newline="") as f:
        cursor = (
            psycopg.Cursor(connection.connection) if postgres else connection.connection.cursor()
        )
        reader = csv.reader(f)
        next(reader)
        chunk: list[list[str]] = []
        for cells in reader:
            chunk.append(cells)
            if len(chunk) == 10_000:
                cursor.executemany(insert, chunk)
                chunk = []
        if chunk:
            cursor.executemany(insert, chunk)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_anchor")
    return {"name": "anchor: executemany, 1 table", "rate": rows / took, "per_cpu": rows / cpu}


def schema_floor(path: Path, rows: int) -> dict:
    """What the database alone takes for the same rows: each row's contact (the first time
    it appears), interaction and invitation, written into the real tables (their indexes,
    unique constraints and foreign keys) with plain executemany, keys counted in Python, 2,000
    rows a transaction. No validation, matching, planning or model code: the schema's cost.
    It runs on the tables as the import finds them (empty), and empties them again after,
    so that its rows weigh on no other figure."""
    from django.db import connection, transaction

    from touchpoint.accounts.models import Account, Unit
    from touchpoint.lib import links
    from touchpoint.surveys.models import Touchpoint

    account = Account.objects.get(slug="bench").id
    units = dict(Unit.objects.filter(account_id=account).values_list("code", "id"))
    touchpoints = dict(Touchpoint.objects.filter(account_id=account).values_list("slug", "id"))
    postgres = connection.vendor == "postgresql"
    as_json = Jsonb if postgres else json.dumps
    mark = "%s" if postgres else "?"
    connection.ensure_connection()
    raw = connection.connection
    # The driver's own cursor (on PostgreSQL one binding server-side, in pipeline mode)
    tables = {
        "contacts_contact": "id account_id external_id email phone name locale time_zone "
        "attributes created_at updated_at last_invited_at",
        "surveys_interaction": "id account_id touchpoint_id contact_id unit_id occurred_at "
        "external_id properties payload_hash created_at",
        "surveys_invitation": "id account_id interaction_id contact_id touchpoint_id unit_id "
        "channel state reason detail token_nonce token_hash send_at expires_at attempts "
        "created_at updated_at provider_message_id claimed_by",
    }
    sql = {
        table: f"INSERT INTO {table} ({', '.join(cols.split())}) "
        f"VALUES ({', '.join([mark] * len(cols.split()))})"
        for table, cols in tables.items()
    }
    cursor = psycopg.Cursor(raw) if postgres else raw.cursor()
    last = {}
    for table in tables:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        last[table] = cursor.fetchone()[0]

    def keys(table: str, n: int) -> list[int]:
        if postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return sorted(k for (k,) in cursor.fetchall())
        last[table] += n
        return list(range(last[table] - n + 1, last[table] + 1))

    def when(text: str):
        moment = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
        return moment if postgres else str(moment.replace(tzinfo=None))

    contact_ids: dict[str, int] = {}
    written = 0.0  # seconds in the writes alone: executemany and commit
    started, cpu = time.perf_counter(), time.process_time()
    now = when(dt.datetime.now(dt.UTC).isoformat())
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        while chunk := [row for _, row in zip(range(2000), reader, strict=False)]:
            identity = [r["contact_email"] or r["contact_phone"] for r in chunk]
            new = [r for r, who in zip(chunk, identity, strict=True) if who not in contact_ids]
            new = list({(r["contact_email"] or r["contact_phone"]): r for r in new}.values())
            contacts = []
            for key, r in zip(keys("contacts_contact", len(new)), new, strict=True):
                contact_ids[r["contact_email"] or r["contact_phone"]] = key
                contacts.append(
                    (
                        key,
                        account,
                        # absent identifiers are NULL, as the application stores them
                        f"floor-{ext}" if (ext := r["contact_external_id"]) else None,
                        f"floor-{email}" if (email := r["contact_email"]) else None,
                        "+337" + phone[4:] if (phone := r["contact_phone"]) else None,
                        r["contact_name"],
                        r["contact_locale"],
                        r["contact_time_zone"],
                        as_json({"tier": r["contact.tier"], "plan": r["contact.plan"]}),
                        now,
                        now,
                        now,
                    )
                )
            interactions, invitations = [], []
            interaction_keys = keys("surveys_interaction", len(chunk))
            invitation_keys = keys("surveys_invitation", len(chunk))
            for r, who, ik, vk in zip(
                chunk, identity, interaction_keys, invitation_keys, strict=True
            ):
                contact, unit, touchpoint = (
                    contact_ids[who],
                    units[r["unit"]],
                    touchpoints[r["touchpoint"]],
                )
                occurred = when(r["occurred_at"])
                interactions.append(
                    (
                        ik,
                        account,
                        touchpoint,
                        contact,
                        unit,
                        occurred,
                        "floor-" + r["external_id"],
                        as_json({"payment": r["property.payment"]}),
                        "0" * 64,
                        now,
                    )
                )
                invitations.append(
                    (
                        vk,
                        account,
                        ik,
                        contact,
                        touchpoint,
                        unit,
                        "email",
                        "scheduled",
                        "",
                        "",
                        *links.mint("survey"),
                        occurred,
                        occurred,
                        0,
                        now,
                        now,
                        "",
                        "",
                    )
                )
            writing = time.perf_counter()
            with transaction.atomic():  # BEGIN IMMEDIATE on SQLite, as the import's chunks
                cursor.executemany(sql["contacts_contact"], contacts)
                cursor.executemany(sql["surveys_interaction"], interactions)
                cursor.executemany(sql["surveys_invitation"], invitations)
            written += time.perf_counter() - writing
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not postgres:  # keys were counted here: tell AUTOINCREMENT where they stopped
        for table, key in last.items():
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", [key, table]
            )
    with transaction.atomic():
        if postgres:  # nothing else refers to them yet: CASCADE empties only empty tables
            cursor.execute(f"TRUNCATE {', '.join(reversed(tables))} CASCADE")
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {table}")
    return {
        "name": "floor: executemany, 3 tables",
        "rate": rows / took,
        "per_cpu": rows / cpu,
        "writes_rate": rows / written,
    }


def batch_api(key: str, batches: list[str]) -> dict:
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {key}"})
    before = invitations()
    elapsed = cpu = 0.0
    for body in batches:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post("/api/v1/interactions", body, content_type="application/json")
        elapsed += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        assert response.status_code == 201, response.content[:500]
    return outcome("batch API (1,000 a request)", len(batches) * 1000, elapsed, cpu, before)


def csv_import(path: Path, rows: int) -> dict:
    before = invitations()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "touchpoint", "import-interactions", str(path), "--no-progress"],
        env=os.environ,
        cwd=ROOT,
    )
    sampler = PeakMemory(child.pid)
    sampler.start()
    if child.wait() != 0:
        raise SystemExit("the CSV import failed")
    took = time.perf_counter() - started
    sampler.stop()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = outcome("CSV import", rows, took, usage.ru_utime + usage.ru_stime, before)
    result["peak_mb"] = sampler.peak / 1024
    result["curve_mb"] = [kb / 1024 for kb in sampler.curve()]
    result["max_rss_mb"] = usage.ru_maxrss / 1024
    return result


class PeakMemory(threading.Thread):
    """The largest PSS sum of a process and its descendants (kB), sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.samples.append(sum(pss(p) for p in tree(self.pid)))
            self.peak = max(self.peak, self.samples[-1])

    def curve(self, parts: int = 10) -> list[int]:
        """The peak (kB) of each tenth of the run: flat when memory does not grow with the
        rows (the check pass comes first, then the import pass)."""
        size = max(1, -(-len(self.samples) // parts))  # rounded up: at most `parts` values
        return [max(self.samples[i : i + size]) for i in range(0, len(self.samples), size)]

    def stop(self) -> None:
        self.done.set()
        self.join()


def tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
