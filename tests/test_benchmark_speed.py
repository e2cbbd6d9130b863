"""The sending and answering benchmarks run end to end at a small size, so that they cannot
rot: real worker processes and a real SMTP server (dispatch), the production web server
answered through the survey page's form (load); every message and answer accounted for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench_url(tmp_path):
    """A SQLite file, or on PostgreSQL a database named for benchmarks on the same server,
    dropped afterwards (as in test_benchmark_faults)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"test_{parts.path.lstrip('/') or 'touchpoint'}_speed_bench"
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench(tmp_path, url: str, script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_dispatch_benchmark_sends_every_invitation_once_beside_plain_smtplib(
    tmp_path, bench_url
):
    out = bench(tmp_path, bench_url, "dispatch.py", "--messages", "40", "--workers", "1,2")
    assert re.search(
        r"anchor: plain smtplib, one connection, the same 40 messages: .* messages/s", out
    )
    for workers in (1, 2):
        assert re.search(
            rf"worker x{workers}: 40 sent in [\d.]+ s, [\d,]+ messages/s = [\d.]+x plain smtplib",
            out,
        )
    assert "PROBLEM" not in out


def test_the_load_benchmark_answers_through_the_form_and_checks_the_figures(tmp_path, bench_url):
    out = bench(
        tmp_path,
        bench_url,
        "load.py",
        *("--answers", "30", "--web", "1", "--anchor", "30", "--stores", "12", "--clients", "3"),
    )
    assert re.search(r"promoter: page \d+ queries .*; answer \d+ queries", out)
    row = re.search(r"^\| 1 \| ([\d,]+) \| .* \| (\d+) \| ([\d,]+) \|", out, re.M)
    assert row, out
    assert int(row.group(2)) == 0  # no errors
    assert "checks: every link answered exactly once; the figures equal a rebuild's" in out
