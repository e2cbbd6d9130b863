"""Sending speed: survey invitations sent by `touchpoint worker` processes to a local SMTP
server, against plain smtplib sending the same messages to the same server, in one run.

    .venv/bin/python benchmarks/dispatch.py [--messages 5000] [--workers 1,2]

1. Records N interactions through the intake (store purchases that just happened, each for
   a contact of its own, on the email channel): N invitations, held back for now.
2. Anchor: the same N messages, composed by the application (not timed), sent by plain
   smtplib over one connection to the same SMTP server (aiosmtpd, a process of its own,
   which writes the Message-ID of every message it accepts to a file before it answers 250).
3. For each count of `--workers`: that many worker processes (`touchpoint worker`, the
   production command) start and settle; then every invitation becomes due at once and the
   clock runs until none is waiting or being sent. Each message is composed, rendered,
   handed off, sent and recorded by the outbox engine exactly as in production.
4. Checks: every invitation sent, every one received exactly once by the server. Between
   two runs the invitations are set back to scheduled (their reminders removed).

Prints messages per second for each run, the anchor's rate, and the ratio (goal: at least
0.5 of plain smtplib). The server, the database and the workers share the machine's cores,
as the anchor's client and server do: the load average is printed at the start and end.

Database: DATABASE_URL (SQLite file or PostgreSQL), default a SQLite file in a temporary
directory; it must be new, empty, or named for benchmarks ("bench" in its name), which is
recreated (the rule of benchmarks/reports.py).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from faults import (
    INVITATION_ID,
    free_port,
    measure_anchor,
    received_ids,
    record,
    start_server,
    use_smtp_environment,
)
from reports import Target, load

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 0.5
POLL = 0.02  # seconds between two looks at what is still waiting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument(
        "--workers", default="1,2", help="worker processes, one run per count (e.g. 1,2,4)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers: worker counts separated by commas, e.g. 1,2,4")
    if args.messages < 1 or not counts or min(counts) < 1:
        parser.error("--messages and every --workers count must be at least 1")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-dispatch-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'dispatch.sqlite3'}"
    target = Target.parse(url)
    target.make_fresh()
    port = free_port()
    use_smtp_environment(url, workdir, port)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor} {target.display}")
    print(f"load average at start: {load()}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    account = record(args.messages, random.Random(args.seed))
    hold_back(account)
    print(f"{args.messages:,} invitations recorded in {time.perf_counter() - started:.1f} s")

    anchor = measure_anchor(account, port, workdir / "anchor")
    if anchor.received != args.messages:
        raise SystemExit(f"anchor: the server received {anchor.received} of {args.messages}")
    anchor_rate = args.messages / anchor.seconds
    print(
        f"anchor: plain smtplib, one connection, the same {args.messages:,} messages: "
        f"{anchor.seconds:.2f} s, {anchor_rate:,.0f} messages/s"
    )

    failures = 0
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for index, workers in enumerate(counts):
        if index:
            reset(account)
        seconds, problems = run(account, workers, port, workdir / f"run-{workers}", env, args)
        rate = args.messages / seconds if seconds else 0.0
        ratio = rate / anchor_rate
        verdict = "meets" if ratio >= GOAL_RATIO and not problems else "MISSES"
        print(
            f"worker x{workers}: {args.messages:,} sent in {seconds:.2f} s, {rate:,.0f} "
            f"messages/s = {ratio:.2f}x plain smtplib ({verdict} the {GOAL_RATIO}x goal)"
            f"; load {os.getloadavg()[0]:.2f}"
        )
        for problem in problems:
            print(f"  PROBLEM: {problem}")
        failures += bool(problems)
    print(f"load average at end: {load()}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


def hold_back(account) -> None:
    """Not due until the run starts (the workers must be up first)."""
    from django.utils import timezone

    from touchpoint.surveys.models import Invitation

    later = timezone.now() + dt.timedelta(days=1)
    Invitation.objects.filter(account=account).update(send_at=later)


def reset(account) -> None:
    """The same invitations, scheduled again as they were before the last run."""
    from touchpoint.surveys.models import Invitation, Reminder

    Reminder.objects.filter(invitation__account=account).delete()
    Invitation.objects.filter(account=account).update(
        state="scheduled",
        attempts=0,
        sent_at=None,
        handed_off_at=None,
        lease_expires_at=None,
        claimed_by="",
        reason="",
        detail="",
        provider_message_id="",
    )
    hold_back(account)


def run(account, workers: int, port: int, directory: Path, env: dict, args):
    """Start the server and the workers, make every invitation due, time until settled."""
    from django.db import close_old_connections
    from django.utils import timezone

    from touchpoint.surveys.models import Invitation

    directory.mkdir(parents=True)
    server = start_server(port, directory, 0.0, 0)
    processes, logs = [], []
    try:
        for n in range(workers):
            path = directory / f"worker-{n}.log"
            with open(path, "ab") as log:
                command = [sys.executable, "-m", "touchpoint", "worker"]
                command += ["--interval", "0.05", "--sweep-every", "30"]
                processes.append(
                    subprocess.Popen(
                        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                    )
                )
            logs.append(path)
        deadline = time.monotonic() + 120
        while not all(re.search(rb"^Worker \w+ started", p.read_bytes(), re.M) for p in logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise SystemExit(f"the workers did not start: see {directory}")
            time.sleep(0.05)
        time.sleep(0.5)  # past their first pass (sweeps, hourly steps)
        waiting = Invitation.objects.filter(account=account, state__in=["scheduled", "sending"])
        started = time.perf_counter()
        Invitation.objects.filter(account=account).update(send_at=timezone.now())
        while waiting.exists():
            if time.perf_counter() - started > args.timeout:
                break
            time.sleep(POLL)
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        server.terminate()
        server.wait()
    close_old_connections()
    return seconds, check(account, directory, args.messages)


def check(account, directory: Path, n: int) -> list[str]:
    """Every invitation sent, and received by the server exactly once."""
    from touchpoint.surveys.models import Invitation

    states = collections.Counter(
        Invitation.objects.filter(account=account).values_list("state", flat=True)
    )
    copies = collections.Counter(received_ids(directory))
    received = collections.Counter()
    for message_id, count in copies.items():
        found = INVITATION_ID.match(message_id)
        if found:
            received[int(found.group(1))] += count
    problems = []
    if states.get("sent", 0) != n:
        problems.append(f"states: {dict(states)} (expected {n} sent)")
    twice = sum(1 for count in received.values() if count > 1)
    if twice:
        problems.append(f"{twice} invitations received more than once")
    if len(received) != n:
        problems.append(f"the server received {len(received)} of {n} invitations")
    return problems


if __name__ == "__main__":
    sys.exit(main())
