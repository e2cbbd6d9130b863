"""Intake throughput and memory: the batch API and the CSV import, on a throwaway database.

    .venv/bin/python benchmarks/intake.py [--rows 1000000] [--api-batches 20]

Prints interactions per second for POST /api/v1/interactions (1,000 per request, in-process
client, so HTTP parsing by a real server is not included) and for `touchpoint
import-interactions` (check pass + import pass, as a user runs it), the import's CPU time and
its peak memory (max RSS of the child process). Uses SQLite unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--api-batches", type=int, default=20)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
        ALLOWED_HOSTS="testserver",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    key, stores = setup_brand()
    print(f"database: {os.environ['DATABASE_URL'].split('://')[0]}, {len(stores)} stores")

    client = Client(headers={"Authorization": f"Bearer {key}"})
    rng = random.Random(1)
    elapsed = 0.0
    for b in range(args.api_batches):
        body = json.dumps(
            {"interactions": [row_json(rng, f"api-{b}-{i}", stores) for i in range(1000)]}
        )
        started = time.perf_counter()
        response = client.post("/api/v1/interactions", body, content_type="application/json")
        elapsed += time.perf_counter() - started
        assert response.status_code == 201, response.content[:500]
    api_rate = args.api_batches * 1000 / elapsed
    print(f"batch API: {api_rate:,.0f} interactions/s ({args.api_batches} x 1,000)")

    path = workdir / "interactions.csv"
    started = time.perf_counter()
    write_csv(path, args.rows, stores)
    size = path.stat().st_size / 1e6
    print(
        f"CSV: {args.rows:,} rows, {size:,.0f} MB, written in {time.perf_counter() - started:.0f} s"
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "touchpoint", "import-interactions", str(path), "--no-progress"],
        check=True,
        env=os.environ,
    )
    took = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"CSV import: {args.rows / took:,.0f} rows/s ({args.rows:,} rows in {took:.0f} s, "
        "check + import)"
    )
    # On a shared machine wall time depends on the neighbours; CPU time much less so.
    print(f"CSV import CPU time: {cpu:.0f} s ({args.rows / cpu:,.0f} rows per CPU-second)")
    print(f"CSV import peak memory: {peak_mb:,.0f} MB (max RSS of the import process)")


def setup_brand() -> tuple[str, list[str]]:
    from touchpoint.accounts.actions import do_create_api_key, do_create_unit
    from touchpoint.accounts.models import Account
    from touchpoint.surveys.models import Touchpoint

    account = Account.objects.create(name="Bench", slug="bench")
    root = do_create_unit(account=account, kind="brand", code="bench", name="Bench")
    stores = []
    for r in range(5):
        region = do_create_unit(
            account=account, kind="region", code=f"region-{r}", name=f"Region {r}", parent=root
        )
        for s in range(20):
            code = f"store-{r}{s:02d}"
            do_create_unit(account=account, kind="store", code=code, name=code, parent=region)
            stores.append(code)
    Touchpoint.objects.create(
        account=account, slug="store-purchase", name="Store purchase", kind="store_purchase"
    )
    return do_create_api_key(account=account, name="bench").secret, stores


def row_json(rng: random.Random, external_id: str, stores: list[str]) -> dict:
    return {
        "external_id": external_id,
        "touchpoint": "store-purchase",
        "unit": rng.choice(stores),
        "occurred_at": f"2026-10-{rng.randint(1, 28):02d}T{rng.randint(8, 19):02d}:00:00+01:00",
        "contact": {
            "email": f"c{rng.randint(0, 300_000)}@example.com",
            "locale": "en",
            "attributes": {"tier": rng.choice(["standard", "plus"])},
        },
        "properties": {"phone_model": rng.choice(["X5", "Lite", "Pro"])},
    }


def write_csv(path: Path, rows: int, stores: list[str]) -> None:
    rng = random.Random(2)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "external_id",
                "touchpoint",
                "unit",
                "occurred_at",
                "contact_email",
                "contact_locale",
                "contact.tier",
                "property.phone_model",
            ]
        )
        for i in range(rows):
            r = row_json(rng, f"csv-{i}", stores)
            writer.writerow(
                [
                    r["external_id"],
                    r["touchpoint"],
                    r["unit"],
                    r["occurred_at"],
                    r["contact"]["email"],
                    "en",
                    r["contact"]["attributes"]["tier"],
                    r["properties"]["phone_model"],
                ]
            )


if __name__ == "__main__":
    main()
