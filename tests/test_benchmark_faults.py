"""The fault benchmark runs end to end at a small size, so that it cannot rot: real worker
processes, a real SMTP server killed and restarted, 451s, a worker SIGKILLed, and every
invitation is accounted for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "faults.py"
# 60 invitations, two workers, one SIGKILLed and the mail server killed every 2 s or so,
# 451 to the first attempt of 30% of the messages.
SMALL = (
    *("--invitations", "60", "--workers", "2", "--worker-kill-every", "2"),
    *("--smtp-kill-every", "2", "--smtp-down", "1", "--refuse-share", "0.3", "--timeout", "300"),
)


@pytest.fixture
def bench_url(tmp_path):
    """A benchmark database beside the one the suite runs on: a SQLite file, or on PostgreSQL
    a database named for benchmarks on the same server, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    # test_ as Django's test databases: never the `<name>_bench` a person benchmarks in.
    name = f"test_{parts.path.lstrip('/') or 'touchpoint'}_faults_bench"
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def figures(out: str) -> dict[str, int]:
    """The table's rows: `| delivered | 57 | ...` as {"delivered": 57}."""
    return {
        label.strip(): int(count.replace(",", ""))
        for label, count in re.findall(r"^\|\s*([^|]+?)\s*\|\s*([\d,]+)\s*\|", out, re.M)
    }


def test_the_fault_benchmark_accounts_for_every_invitation_and_sends_none_twice(
    tmp_path, bench_url
):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *SMALL],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": bench_url, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "anchor: the same 60 messages by plain smtplib" in out
    assert "60 received" in out
    found = figures(out)
    assert found["invitations"] == 60
    assert found["lost"] == 0 and found["duplicates"] == 0
    assert found["delivered"] + found["failed with a reason"] == 60
    assert "time: settled in" in out
    faults = re.search(
        r"faults: (\d+) worker SIGKILLs, (\d+) SMTP server kills, (\d+) answers 451", out
    )
    assert faults, out
    kills, smtp_kills, refusals = map(int, faults.groups())
    assert kills >= 1 and smtp_kills >= 1 and refusals >= 1
    assert "0 unexpected worker exits" in out


def test_the_fault_benchmark_refuses_a_database_that_is_not_its_own(tmp_path):
    import sqlite3

    real = tmp_path / "touchpoint.sqlite3"
    with sqlite3.connect(real) as db:
        db.execute("CREATE TABLE accounts_account (id integer, slug text, name text)")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--invitations", "5"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{real}", "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "refused" in result.stderr
    with sqlite3.connect(real) as db:
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (1,)
