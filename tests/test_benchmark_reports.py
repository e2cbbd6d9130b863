"""The reports benchmark runs end to end at a small size, so that it cannot rot, and it never
writes into a database that is not its own."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "reports.py"


def bench(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "TMPDIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
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
    # test_ as Django's test databases: never the `<name>_bench` a person benchmarks in; one
    # per test process (two benchmarks at once in one database would drop each other's).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"test_{parts.path.lstrip('/') or 'touchpoint'}_{worker}_bench".replace("__", "_")
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_reports_benchmark_times_every_level_and_every_engine_finds_the_same_figures(
    tmp_path, bench_url
):
    size = ("--responses", "20000", "--units", "150")
    result = bench(tmp_path, bench_url, *size, "--runs", "3", "--warmup", "1")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "equal a recount of their answers" in out
    for level in ("brand", "region", "store"):
        assert f"{level}: every engine found the same figures" in out
        for query in ("headline", "previous period", "trend", "by touchpoint", "leaderboard"):
            assert f"| {level:<6} | {query:<15} | rollups" in out
            assert f"| {level:<6} | {query:<15} | raw GROUP BY" in out
    assert "p95 ≤ 50 ms" in out

    again = bench(tmp_path, bench_url, *size, "--runs", "1", "--warmup", "0", "--keep")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reusing the generated data" in again.stdout


def test_the_reports_benchmark_refuses_a_database_that_is_not_its_own(tmp_path):
    real = tmp_path / "touchpoint.sqlite3"
    with sqlite3.connect(real) as db:
        db.execute("CREATE TABLE accounts_account (id integer, slug text, name text)")
        db.execute("INSERT INTO accounts_account VALUES (1, 'nimbus', 'Nimbus Mobile')")
    result = bench(tmp_path, f"sqlite:///{real}", "--responses", "1000", "--runs", "1")
    assert result.returncode != 0
    assert "refused" in result.stderr
    with sqlite3.connect(real) as db:
        assert db.execute("SELECT slug FROM accounts_account").fetchall() == [("nimbus",)]


def test_the_reports_benchmark_runs_the_segment_query_set_and_rebuilds_a_kept_database(
    tmp_path, bench_url
):
    size = ("--segments", "--responses", "3000", "--stores", "40", "--runs", "2")
    result = bench(tmp_path, bench_url, *size, "--raw-runs", "1")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "answers stored in" in out and "rows/s" in out
    assert "rebuild-rollups (rollups, segment rollups and the segment index): 3,000 answers" in out
    assert "segment index: 12,000 entries" in out  # four segments per answer
    for level in ("brand", "region", "store"):
        for query in ("declared filter", "declared group_by", "two combined"):
            assert f"| {level} | {query} | app |" in out
            assert f"| {level} | {query} | raw GROUP BY |" in out
        assert f"| {level} | undeclared attribute | app |" in out

    again = bench(tmp_path, bench_url, *size, "--raw-runs", "1", "--keep", "--rebuild")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "kept: 42 units; 3,000 answers" in again.stdout
    assert "rebuild-rollups (rollups, segment rollups and the segment index): 3,000" in again.stdout
