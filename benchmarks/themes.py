"""What customers talk about, timed on the demo brand: the dashboard's themes section and the
unit themes page (themes with their examples, and key drivers).

    .venv/bin/python benchmarks/themes.py [--interactions 50000] [--runs 5] [--keep]

Seeds the demo (`seed-demo`: a year of a smartphone brand's answers, its starter themes and
every comment analysed) into a throwaway database (default a SQLite file in the temp
directory, kept with --keep for the next run; `DATABASE_URL` naming a database with `bench`
in its name for PostgreSQL), then times, for the brand over the last 30 days, 3 months and
12 months, warm (median of --runs):

- the dashboard's themes section (`analysis.dashboard.themes_context`);
- the unit themes page's themes (`queries.theme_report`, three comments per theme) and its
  key drivers (`drivers.driver_report`);

each from the theme rollups and, in the same run, from the answers themselves (the path the
rollups replaced, kept for segment filters), checking both find the same figures; key
drivers computed (LMG, 200 bootstrap resamples) and read back as kept. Anchor in the same
run: the dashboard's own NPS query set (`reports.figures.report`, from the score rollups).
On the commit before the rollups, the same script prints that code's figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("TOUCHPOINT_CODE", str(ROOT)))


class Timing:
    """Median wall and CPU seconds (SQLite runs in the process, so its work is CPU time
    here: on a busy shared machine compare CPU, wall depends on the neighbours)."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def __format__(self, spec: str) -> str:
        return f"{self.wall:.3f} s wall, {self.cpu:.3f} s CPU"


def median_seconds(fn, runs: int) -> Timing:
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return Timing(statistics.median(walls), statistics.median(cpus))


def setup(interactions: int, keep: bool) -> None:
    workdir = Path(tempfile.gettempdir()) / "touchpoint-bench-themes"
    workdir.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    if "bench" not in url:
        raise SystemExit("DATABASE_URL must name a throwaway database with 'bench' in its name")
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
    )
    import django

    django.setup()
    from django.core.management import call_command

    from touchpoint.accounts.models import Account

    marker = workdir / f"seeded-{interactions}"
    if not (keep and marker.exists() and Account.objects.filter(slug="demo").exists()):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("seed-demo", interactions=interactions, stdout=quiet)
        spent = time.perf_counter() - started
        print(f"seeded the demo ({interactions} interactions) in {spent:.0f} s")
        marker.write_text("seeded")
    else:
        call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the last run's database")
    args = parser.parse_args()
    setup(args.interactions, args.keep)

    from django.utils import timezone

    from touchpoint.accounts.models import Unit
    from touchpoint.analysis import queries
    from touchpoint.analysis.dashboard import themes_context
    from touchpoint.analysis.models import CommentAnalysis

    try:
        from touchpoint.reports.figures import report
        from touchpoint.reports.params import check_report_request
    except ImportError:  # the code before the reports were split
        from touchpoint.reports.queries import check_report_request, report

    try:
        from touchpoint.analysis import drivers, rollups
    except ImportError:  # the code before the rollups
        drivers = rollups = None
    brand = Unit.objects.get(account__slug="demo", depth=0)
    analysed = CommentAnalysis.objects.filter(account=brand.account).exclude(sentiment="").count()
    print(f"demo brand: {analysed} analysed comments; medians of {args.runs} warm runs")
    if rollups is not None:
        started = time.perf_counter()
        counted = rollups.rebuild(brand.account)
        spent = time.perf_counter() - started
        print(f"theme rollups rebuilt from {counted} answers in {spent:.1f} s")
    for preset in ("30d", "3m", "12m"):
        request = check_report_request(unit=brand, now=timezone.now(), preset=preset)
        anchor = median_seconds(lambda r=request: report(r), args.runs)
        section = median_seconds(lambda r=request: themes_context(r), args.runs)
        page = median_seconds(lambda r=request: queries.theme_report(r), args.runs)
        print(f"\n{preset} ({request.start} to {request.end})")
        print(f"  anchor: the dashboard's NPS query set       {anchor:.3f}")
        print(f"  dashboard themes section                     {section:.3f}")
        print(f"  unit page: themes with examples              {page:.3f}")
        if drivers is None:
            computed = median_seconds(lambda r=request: queries.driver_report(r), 1)
            print(f"  unit page: key drivers                       {computed:.3f}")
            continue
        slow_section = median_seconds(
            lambda r=request: queries.theme_report(r, examples=0, limit=6, source="answers"),
            args.runs,
        )
        slow_page = median_seconds(
            lambda r=request: queries.theme_report(r, source="answers"), args.runs
        )
        fast, slow = queries.theme_report(request), queries.theme_report(request, source="answers")
        same = [(r.theme.key, r.mentions, r.negative, r.trend) for r in fast.rows] == [
            (r.theme.key, r.mentions, r.negative, r.trend) for r in slow.rows
        ]
        print(f"    the same from the answers: section {slow_section}")
        print(f"                               page    {slow_page}")
        print(f"    rollups and answers find the same figures: {same}")
        computed = median_seconds(lambda r=request: drivers.compute_drivers(r), 1)
        drivers.keep_drivers(request)
        kept = median_seconds(lambda r=request: drivers.driver_report(r), args.runs)
        print(f"  unit page: key drivers computed              {computed:.3f}")
        print(f"  unit page: key drivers kept                  {kept:.3f}")


if __name__ == "__main__":
    main()
