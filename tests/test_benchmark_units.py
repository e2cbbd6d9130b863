"""The unit-sync benchmark runs end to end at a small size, so that it cannot rot, and it
refuses a database that is not a throwaway one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "units.py"


def bench(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "TMPDIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_benchmark_syncs_a_small_file_and_the_second_run_changes_nothing(tmp_path):
    result = bench(
        tmp_path, f"sqlite:///{tmp_path / 'bench.sqlite3'}", "--stores", "600", "--managers", "700"
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "{'added': 613, 'invited': 700}; 700 invitation emails rendered and sent" in out
    assert "'renamed':" in out and "'moved':" in out and "'closed': 100" in out
    assert "changes the second time: none" in out
    assert "first sync, plan + apply:" in out and "bulk-insert anchor" in out


def test_it_refuses_a_database_not_named_for_it(tmp_path):
    result = bench(tmp_path, f"sqlite:///{tmp_path / 'touchpoint.sqlite3'}")
    assert result.returncode != 0
    assert "throwaway database" in result.stderr
