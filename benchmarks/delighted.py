"""Delighted import and API figures, on a throwaway database.

    .venv/bin/python benchmarks/delighted.py [--rows 100000] [--requests 300]

Prints responses per second for `touchpoint import-delighted` on a generated Delighted CSV
export (check pass + import pass in one transaction, as a user runs it) with the import's peak
memory (max RSS of the child process), then the mean time of POST people and GET
survey_responses through the in-process test client (the rate limiter's upsert included).
Uses SQLite unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_export(path: Path, rows: int) -> None:
    rng = random.Random(3)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "Response ID,Score,Comment,Response Timestamp,Person ID,Name,Email,Phone Number,"
            "Notes,Tags,Delighted Source,Plan\n"
        )
        for i in range(rows):
            when = start + dt.timedelta(minutes=7 * i)
            score = rng.choice(range(11))
            out.write(
                f"{i + 1},{score},Comment {i},{when:%Y-%m-%d %H:%M:%S} UTC,{i + 1},"
                f"Person {i},p{i}@example.com,,,{'vip' if score > 8 else ''},Email,"
                f"{rng.choice(['free', 'pro'])}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
        ALLOWED_HOSTS="testserver",
        DELIGHTED_RATE_LIMIT="1000000",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from touchpoint.accounts.actions import do_create_api_key, do_create_unit
    from touchpoint.accounts.models import Account

    call_command("migrate", verbosity=0)
    account = Account.objects.create(name="Bench", slug="bench", time_zone="Europe/Paris")
    do_create_unit(account=account, kind="brand", code="bench", name="Bench")
    key = do_create_api_key(account=account, name="bench").secret
    print(f"database: {os.environ['DATABASE_URL'].split('://')[0]}")

    export = workdir / "export.csv"
    write_export(export, args.rows)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "touchpoint", "import-delighted", str(export), "--no-progress"],
        check=True,
        env=os.environ,
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"import-delighted: {args.rows} responses in {seconds:.1f} s "
        f"({args.rows / seconds:,.0f}/s; {cpu:.1f} s of CPU, so {args.rows / cpu:,.0f}/s on an "
        f"idle core), peak memory {usage.ru_maxrss / 1024:.0f} MiB"
    )

    token = base64.b64encode(f"{key}:".encode()).decode()
    client = Client(headers={"Authorization": f"Basic {token}"})
    started = time.perf_counter()
    for i in range(args.requests):
        client.post(
            "/delighted/v1/people.json",
            {"email": f"new{i}@example.com", "delay": 60, "properties": {"plan": "pro"}},
            content_type="application/json",
        )
    post_ms = (time.perf_counter() - started) * 1000 / args.requests
    started = time.perf_counter()
    for i in range(args.requests):
        client.get("/delighted/v1/survey_responses.json", {"per_page": 100, "page": i % 50 + 1})
    get_ms = (time.perf_counter() - started) * 1000 / args.requests
    print(f"POST people: {post_ms:.1f} ms; GET survey_responses (100 per page): {get_ms:.1f} ms")


if __name__ == "__main__":
    main()
