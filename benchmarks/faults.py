"""Delivery under faults: survey invitations sent by several `touchpoint worker` processes
while the mail server is killed and restarted, answers 451 to a share of the messages, and
the workers are SIGKILLed at random moments. Prints what arrived once, what was lost, what
arrived twice, what failed and why, and the time taken, against plain smtplib sending the
same messages to the same server without faults.

    .venv/bin/python benchmarks/faults.py [--invitations 2000] [--workers 3]
        [--worker-kill-every 5] [--smtp-kill-every 15] [--smtp-down 3] [--refuse-share 0.14]
        [--time-scale 0.05] [--seed 1] [--timeout 900]

1. Records N interactions through the intake (`intake.actions.record_interactions`): store
   purchases that just happened, each for its own contact, on the email channel, so N
   invitations are due at once (and the intake queues its wake-up task, as in production).
2. Anchor: the same N messages, composed by the application, sent by plain smtplib over one
   connection to the same SMTP server, with no faults.
3. The run: the SMTP server (aiosmtpd, a process of its own) writes the Message-ID of every
   message it accepts to a file before it answers 250, and answers 451 to the first attempt
   of a share of the messages (as a greylisting server does). `--workers` worker processes
   (`touchpoint worker`, the production command) send against the same database. Faults
   until every invitation is settled: one worker SIGKILLed about every `--worker-kill-every`
   seconds (at a random moment, restarted half a second later, as a supervisor would), the
   SMTP server SIGKILLed every `--smtp-kill-every` seconds and restarted `--smtp-down`
   seconds later on the same port.
4. Settled means no invitation is waiting or being sent. Then the workers are stopped and
   every invitation is compared with what the server received. Delivered: sent and received
   once. Lost: neither sent-and-received nor failed with a reason (sent but never received,
   still waiting at the timeout, finished with no reason). Duplicates: Message-IDs received
   more than once. Exit status 1 when anything was lost or duplicated.

The outbox's waits are hours long in production (a 5-minute lease, retries 1 min to 2 h
apart, circuit probes 30 s to 10 min apart); here they are multiplied by `--time-scale`
through the `OUTBOX_TIME_SCALE` setting (0.05: a 15 s lease, a first retry after 3 s, probes
1.5 s to 30 s apart), and the workers sweep every second (`--sweep-every 1`). Nothing else
differs from production.

Database: DATABASE_URL (SQLite file or PostgreSQL), default a SQLite file in a temporary
directory. It must be new, empty, or named for benchmarks ("bench" in its name), which is
recreated; anything else is refused (the rule of benchmarks/reports.py).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from reports import Target, load

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SLUG = "bench-faults"
BATCH = 500  # interactions per intake call
RESTART_AFTER = 0.5  # seconds between a worker's SIGKILL and its restart
SETTLE_CHECK = 0.5  # seconds between two looks at what is still waiting
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
INVITATION_ID = re.compile(r"^<invitation-(\d+)\.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitations", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--worker-kill-every",
        type=float,
        default=5.0,
        help="mean seconds between two worker SIGKILLs (0: none)",
    )
    parser.add_argument(
        "--smtp-kill-every",
        type=float,
        default=15.0,
        help="seconds the SMTP server runs between two kills (0: never killed)",
    )
    parser.add_argument(
        "--smtp-down", type=float, default=3.0, help="seconds the SMTP server stays dead"
    )
    parser.add_argument(
        "--refuse-share",
        type=float,
        default=0.14,
        help="share of messages whose first attempt the server answers 451 (0.14: 1 in 7)",
    )
    parser.add_argument(
        "--time-scale", type=float, default=0.05, help="OUTBOX_TIME_SCALE for the workers"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to settle")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="keep the workers' and server's logs (and SQLite file)"
    )
    # The SMTP server's own process runs this script with these (not for people).
    parser.add_argument("--serve-smtp", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_smtp:
        return serve_smtp(args.serve_smtp, Path(args.serve_dir), args.refuse_share, args.seed)
    if args.invitations < 1 or args.workers < 1:
        parser.error("--invitations and --workers must be at least 1")
    if not 0 <= args.refuse_share < 1 or not 0 < args.time_scale <= 1:
        parser.error("--refuse-share must be in [0, 1) and --time-scale in (0, 1]")

    # A stop request still stops the workers and the server (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-faults-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'faults.sqlite3'}"
    try:
        Target.parse(url).make_fresh()
    except SystemExit:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    target = Target.parse(url)
    port = free_port()
    use_smtp_environment(url, workdir, port, OUTBOX_TIME_SCALE=str(args.time_scale))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor} {target.display}")
    print(f"load average at start: {load()}")
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    account = record(args.invitations, random.Random(args.seed))
    print(
        f"{args.invitations:,} invitations recorded through the intake in "
        f"{time.perf_counter() - started:.1f} s"
    )

    anchor = measure_anchor(account, port, workdir / "anchor")
    print(
        f"anchor: the same {args.invitations:,} messages by plain smtplib, one connection, no "
        f"faults: {anchor.seconds:.2f} s ({args.invitations / anchor.seconds:,.0f}/s), "
        f"{anchor.received:,} received"
    )

    print(
        f"faults: {args.workers} workers, one SIGKILLed every ~{args.worker_kill_every:g} s "
        f"(restarted {RESTART_AFTER:g} s later); the SMTP server killed every "
        f"{args.smtp_kill_every:g} s for {args.smtp_down:g} s; 451 to the first attempt of "
        f"{args.refuse_share:.0%} of messages; outbox waits x{args.time_scale:g}"
    )
    # Unbuffered, so each worker's "started" line and log reach its file as they happen.
    run = Chaos(args, port, workdir / "run", env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        run.until_settled(account)
    finally:
        run.stop()
    outcome = tally(account, run.directory, run)
    print(f"load average at end: {load()}")
    print()
    outcome.print(anchor, run)
    if args.keep or outcome.lost or outcome.duplicates:
        print(f"\nkept for inspection (worker and server logs, database): {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if outcome.lost or outcome.duplicates else 0


def use_smtp_environment(url: str, workdir: Path, port: int, **extra: str) -> None:
    """The settings of a benchmark run, in this process's environment (its workers inherit
    it): the database, mail over SMTP to the local server on `port`, no dev outbox."""
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
        SITE_URL="http://localhost:8000",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_TIMEOUT="10",
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        DEV_OUTBOX="false",
        **extra,
    )
    os.environ.pop("DEBUG", None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The invitations ----------------------------------------------------------------------------


def record(n: int, rng: random.Random):
    """An account with a few stores and an immediate email touchpoint (no quiet hours), and
    `n` store purchases that happened in the last minutes, each for a contact of its own."""
    from django.db import transaction
    from django.utils import timezone

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.accounts.models import Account
    from touchpoint.intake.actions import record_interactions
    from touchpoint.intake.schemas import InteractionIn
    from touchpoint.surveys.models import Invitation, Touchpoint

    with transaction.atomic():
        account = Account.objects.create(
            name="Nimbus Mobile", slug=ACCOUNT_SLUG, time_zone="Europe/London"
        )
        brand = do_create_unit(account=account, kind="brand", code="nimbus", name="Nimbus")
        region = do_create_unit(
            account=account, kind="region", code="uk", name="United Kingdom", parent=brand
        )
        stores = [f"store-{s:02d}" for s in range(12)]
        for code in stores:
            do_create_unit(account=account, kind="store", code=code, name=code, parent=region)
        Touchpoint.objects.create(
            account=account, slug="store-purchase", name="Store purchase", kind="store_purchase"
        )
    now = timezone.now()
    locales = ["en", "en", "en", "de", "fr", "es"]
    for start in range(0, n, BATCH):
        items = [
            InteractionIn(
                external_id=f"sale-{i}",
                touchpoint="store-purchase",
                unit=rng.choice(stores),
                occurred_at=now - dt.timedelta(seconds=rng.randint(0, 600)),
                contact={
                    "email": f"customer-{i}@example.com",
                    "name": f"Customer {i}",
                    "locale": rng.choice(locales),
                },
                properties={"basket": rng.randint(10, 900)},
            )
            for i in range(start, min(n, start + BATCH))
        ]
        result = record_interactions(account, items)
        if not result.ok:
            raise SystemExit(f"the intake refused the benchmark's interactions: {result.errors}")
    due = Invitation.objects.filter(account=account, state="scheduled", send_at__lte=now)
    if due.count() != n:
        raise SystemExit(f"expected {n} invitations due now, found {due.count()}")
    return account


# The SMTP server ----------------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler: each accepted Message-ID goes to `received` (written to the file
    before the 250, with no buffer in this process, so a kill never loses a line); the first
    attempt of a share of the messages is answered 451 and remembered in `refused` (read
    back on restart, so a refused message is refused once)."""

    def __init__(self, directory: Path, share: float, seed: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        self.received = os.open(directory / "received", flags, 0o644)
        refused = directory / "refused"
        self.refused_ids = set(refused.read_text().split()) if refused.exists() else set()
        self.refused = os.open(refused, flags, 0o644)
        self.share, self.seed = share, seed

    def greylisted(self, message_id: str) -> bool:
        digest = hashlib.sha256(f"{self.seed}:{message_id}".encode()).digest()
        return int.from_bytes(digest[:4], "big") < self.share * 2**32

    async def handle_DATA(self, server, session, envelope):
        headers = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(headers)
        message_id = found.group(1).decode() if found else "<none>"
        if message_id not in self.refused_ids and self.greylisted(message_id):
            self.refused_ids.add(message_id)
            os.write(self.refused, f"{message_id}\n".encode())
            return "451 4.7.1 Greylisted, please try again later"
        os.write(self.received, f"{message_id}\n".encode())
        return "250 OK"


def serve_smtp(port: int, directory: Path, share: float, seed: int) -> int:
    from aiosmtpd.controller import Controller

    controller = Controller(Recorder(directory, share, seed), hostname="127.0.0.1", port=port)
    controller.start()
    signal.signal(signal.SIGTERM, lambda *_: controller.stop() or sys.exit(0))
    threading.Event().wait()
    return 0


def start_server(port: int, directory: Path, share: float, seed: int) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, __file__, "--serve-smtp", str(port), "--serve-dir", str(directory)]
    command += ["--refuse-share", str(share), "--seed", str(seed)]
    log = open(directory / "server.log", "ab")  # noqa: SIM115 (the child holds it)
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the SMTP server did not start: see {directory / 'server.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(3) == b"220":
                    return server
        except OSError:
            pass
        time.sleep(0.05)
    server.kill()
    raise SystemExit("the SMTP server did not answer within 30 s")


def received_ids(directory: Path) -> list[str]:
    path = directory / "received"
    return path.read_text().split() if path.exists() else []


@dataclass
class Anchor:
    seconds: float
    received: int


def measure_anchor(account, port: int, directory: Path) -> Anchor:
    """The invitations' own messages, composed by the application (not timed), sent by plain
    smtplib over one connection to the same server with no faults (timed)."""
    from django.conf import settings

    from touchpoint.surveys.compose import compose_email
    from touchpoint.surveys.models import Invitation

    invitations = Invitation.objects.filter(account=account).select_related(
        "account", "contact", "touchpoint", "unit", "interaction"
    )
    messages = [compose_email(invitation).message() for invitation in invitations]
    envelopes = [
        (settings.DEFAULT_FROM_EMAIL, m["To"], m.as_bytes(linesep="\r\n")) for m in messages
    ]
    server = start_server(port, directory, 0.0, 0)
    try:
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for sender, recipient, body in envelopes:
                smtp.sendmail(sender, [recipient], body)
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()
    return Anchor(seconds, len(received_ids(directory)))


# The run ------------------------------------------------------------------------------------


@dataclass
class Chaos:
    args: argparse.Namespace
    port: int
    directory: Path
    env: dict
    workers: list = field(default_factory=list)
    log_from: dict = field(default_factory=dict)  # where each worker's current run logs from
    at_work: set = field(default_factory=set)  # workers past their start-up
    server: subprocess.Popen | None = None
    worker_kills: int = 0
    worker_crashes: int = 0  # exits nobody asked for: a bug if ever above 0
    smtp_kills: int = 0
    seconds: float = 0.0
    settled: bool = False
    waiting_at_end: int = 0

    def start_worker(self, index: int) -> subprocess.Popen:
        command = [sys.executable, "-m", "touchpoint", "worker"]
        command += ["--sweep-every", "1", "--interval", "0.2"]
        path = self.directory / f"worker-{index}.log"
        log = open(path, "ab")  # noqa: SIM115 (the child holds it)
        self.log_from[index] = log.tell()
        self.at_work.discard(index)
        worker = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        return worker

    def working(self, index: int) -> bool:
        """Whether the worker is past its start-up and in its loop (it said "started"): a
        kill during Django's start-up would test nothing."""
        if index not in self.at_work:
            with open(self.directory / f"worker-{index}.log", "rb") as log:
                log.seek(self.log_from[index])
                if re.search(rb"^Worker \w+ started", log.read(), re.M):
                    self.at_work.add(index)
        return index in self.at_work

    def start_server(self) -> subprocess.Popen:
        return start_server(self.port, self.directory, self.args.refuse_share, self.args.seed)

    def until_settled(self, account) -> None:
        """Faults on the schedule until no invitation is waiting or being sent."""
        from django.db import close_old_connections

        from touchpoint.surveys.models import Invitation

        args = self.args
        rng = random.Random(args.seed + 1)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.server = self.start_server()
        started = time.monotonic()
        self.workers = [self.start_worker(i) for i in range(args.workers)]
        never = float("inf")

        def next_worker_kill(now: float) -> float:
            every = args.worker_kill_every
            return now + rng.uniform(0.25, 1.75) * every if every else never

        worker_kill = next_worker_kill(started)
        smtp_kill = started + args.smtp_kill_every if args.smtp_kill_every else never
        smtp_back, restarts, check = never, {}, started + SETTLE_CHECK
        waiting = Invitation.objects.filter(account=account, state__in=["scheduled", "sending"])
        while True:
            now = time.monotonic()
            for index, worker in enumerate(self.workers):
                if worker is not None and worker.poll() is not None:
                    self.worker_crashes += 1
                    self.workers[index] = None
                    restarts[index] = now
            if now >= worker_kill:
                alive = [i for i, w in enumerate(self.workers) if w and self.working(i)]
                if alive:
                    index = rng.choice(alive)
                    self.workers[index].kill()
                    self.workers[index].wait()
                    self.workers[index] = None
                    restarts[index] = now + RESTART_AFTER
                    self.worker_kills += 1
                    worker_kill = next_worker_kill(now)
                else:  # none at work yet: a little later
                    worker_kill = now + rng.uniform(0, 1)
            for index, at in list(restarts.items()):
                if now >= at:
                    self.workers[index] = self.start_worker(index)
                    del restarts[index]
            if now >= smtp_kill:
                self.server.kill()
                self.server.wait()
                self.smtp_kills += 1
                smtp_back, smtp_kill = now + args.smtp_down, never
            if now >= smtp_back:
                self.server = self.start_server()
                smtp_back, smtp_kill = never, time.monotonic() + args.smtp_kill_every
            if now >= check:
                close_old_connections()
                self.waiting_at_end = waiting.count()
                if not self.waiting_at_end:
                    self.settled = True
                    break
                if now - started > args.timeout:
                    break
                check = now + SETTLE_CHECK
            time.sleep(0.05)
        self.seconds = time.monotonic() - started

    def stop(self) -> None:
        """Workers stop as an operator stops them (SIGTERM: the step in hand is finished);
        the server goes last, so a message on its way is received or refused."""
        for worker in self.workers:
            if worker is not None:
                worker.terminate()
        for worker in self.workers:
            if worker is not None:
                try:
                    worker.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        if self.server is not None:
            self.server.terminate()
            self.server.wait()

    def circuit_trips(self) -> int:
        """How often a worker found the mail server down and opened (or reopened) its
        circuit, from the workers' logs."""
        return sum(
            log.read_text(errors="replace").count(" is down (")
            for log in self.directory.glob("worker-*.log")
        )


# The outcome --------------------------------------------------------------------------------


@dataclass
class Outcome:
    invitations: int = 0
    delivered: int = 0
    sent_not_received: int = 0
    waiting: int = 0
    no_reason: int = 0
    duplicates: int = 0
    extra_copies: int = 0
    strays: int = 0
    failed: collections.Counter = field(default_factory=collections.Counter)
    failed_but_received: collections.Counter = field(default_factory=collections.Counter)
    attempts: collections.Counter = field(default_factory=collections.Counter)
    refused: int = 0

    @property
    def lost(self) -> int:
        return self.sent_not_received + self.waiting + self.no_reason

    def print(self, anchor: Anchor, run: Chaos) -> None:
        settled = "settled" if run.settled else f"NOT settled ({run.waiting_at_end} waiting)"
        rate = self.invitations / run.seconds if run.seconds else 0
        rows = [
            ("invitations", self.invitations, ""),
            ("delivered", self.delivered, "sent, and received"),
            (
                "lost",
                self.lost,
                f"{self.sent_not_received} sent but never received, {self.waiting} still "
                f"waiting, {self.no_reason} finished with no reason",
            ),
            (
                "duplicates",
                self.duplicates,
                f"Message-IDs received more than once ({self.extra_copies} extra copies)",
            ),
            ("failed with a reason", sum(self.failed.values()), ""),
        ]
        for reason, count in sorted(self.failed.items()):
            anyway = self.failed_but_received[reason]
            rows.append((f"  {reason}", count, f"{anyway} of them received anyway"))
        if self.strays:
            rows.append(("received, no invitation", self.strays, "not the benchmark's"))
        width = max(len(label) for label, _, _ in rows)
        for label, count, note in rows:
            print(f"| {label:<{width}} | {count:>7,} | {note}")
        print()
        print(
            f"time: {settled} in {run.seconds:.1f} s ({rate:,.0f} invitations/s); anchor "
            f"{anchor.seconds:.2f} s ({anchor.received:,} received): "
            f"{run.seconds / anchor.seconds:,.0f}x the anchor's time"
        )
        print(
            f"faults: {run.worker_kills} worker SIGKILLs, {run.smtp_kills} SMTP server kills, "
            f"{self.refused} answers 451, the circuit opened {run.circuit_trips()} times; "
            f"{run.worker_crashes} unexpected worker exits"
        )
        spread = ", ".join(f"{n}: {c:,}" for n, c in sorted(self.attempts.items()))
        print(f"attempts per delivered invitation: {spread}")


def tally(account, directory: Path, run: Chaos) -> Outcome:
    from touchpoint.surveys.models import Invitation

    outcome = Outcome()
    copies = collections.Counter(received_ids(directory))
    by_invitation: dict[int, int] = collections.Counter()
    for message_id, count in copies.items():
        found = INVITATION_ID.match(message_id)
        if found:
            by_invitation[int(found.group(1))] += count
        else:
            outcome.strays += count
        if count > 1:
            outcome.duplicates += 1
            outcome.extra_copies += count - 1
    refused = directory / "refused"
    outcome.refused = len(refused.read_text().split()) if refused.exists() else 0
    rows = Invitation.objects.filter(account=account).values_list(
        "pk", "state", "reason", "attempts"
    )
    known = set()
    for pk, state, reason, attempts in rows.iterator():
        known.add(pk)
        outcome.invitations += 1
        got = by_invitation.get(pk, 0)
        if state in ("scheduled", "sending"):
            outcome.waiting += 1
        elif state in ("sent", "answered"):
            if got:
                outcome.delivered += 1
                outcome.attempts[attempts] += 1
            else:
                outcome.sent_not_received += 1
        elif reason:
            outcome.failed[reason] += 1
            if got:
                outcome.failed_but_received[reason] += 1
        else:
            outcome.no_reason += 1
    outcome.strays += sum(c for pk, c in by_invitation.items() if pk not in known)
    return outcome


if __name__ == "__main__":
    sys.exit(main())
