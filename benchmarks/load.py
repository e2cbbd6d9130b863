"""Answers under load: the production web server (`touchpoint serve`, gunicorn) answering
survey links through the survey page's own form, with many concurrent respondents.

    .venv/bin/python benchmarks/load.py [--answers 2000] [--clients 8] [--web 1,2,4]
        [--stores 200] [--anchor 2000] [--profile 0] [--no-worker] [--seed 1]

1. One account: a brand, 10 regions and `--stores` stores; one store-purchase touchpoint
   with its default rules (detractors open tickets). For every run, `--answers`
   interactions at random stores, each for a contact of its own, recorded through the intake
   (`record_interactions`) and marked as sent: real, open survey links.
2. Where the time goes, in this process (no server): the database queries and CPU time of
   showing the survey page and of posting an answer (promoter and detractor), and with
   `--profile N` the functions that take the most time over N answers (cProfile).
3. For each count of `--web` worker processes: `touchpoint serve` starts (with one
   `touchpoint worker` beside it, as in production, unless `--no-worker`); then
   - the anchor: `--anchor` requests for a static file (the survey page's stylesheet,
     served by WhiteNoise in the same processes) by the same clients, so the figures below
     can be read against what this machine serves at all at the moment;
   - the load: `--clients` threads, each answering one link after another as a respondent
     does: GET the page (a new visitor: no cookie), read the form (its CSRF token and
     fields), POST a score (a realistic mix: 60 % promoters, 25 % passives, 15 %
     detractors; 40 % with a comment) and expect the redirect to the thank-you or
     follow-up page.
   Prints answers/s, the latency of the page, of the answer and of both (p50, p99) and the
   errors, beside the anchor's requests/s and latency; and the CPU each answer cost the web
   server, the background worker (folds, relays, comment analysis), PostgreSQL (its local
   processes), the clients themselves and the whole machine (any neighbour on a shared
   machine too): two cores give at most 2,000 ms of CPU a second, so the machine's figure
   bounds the rate.
4. Checks: every link answered exactly once (one response per invitation, every invitation
   answered), and the dashboards' figures read through the application's own report
   functions equal the same figures after `rebuild-rollups`, at every unit.

Goal on 2 cores: at least 300 answers/s with p99 under 100 ms on PostgreSQL.

Database: DATABASE_URL (SQLite file or PostgreSQL), default a SQLite file in a temporary
directory; it must be new, empty, or named for benchmarks ("bench" in its name), which is
recreated (the rule of benchmarks/reports.py).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import html
import http.client
import io
import os
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from reports import Target, load

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BATCH = 500
GOAL_RATE, GOAL_P99_MS = 300, 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=2_000, help="answers per run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent respondents")
    parser.add_argument("--web", default="1,2,4", help="web worker processes, one run each")
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--anchor", type=int, default=2_000, help="static requests per run")
    parser.add_argument("--profile", type=int, default=0, help="answers to profile in-process")
    parser.add_argument("--no-worker", action="store_true", help="no background worker")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        webs = [int(n) for n in args.web.split(",")]
    except ValueError:
        parser.error("--web: worker counts separated by commas, e.g. 1,2,4")
    if min(webs) < 1 or args.answers < 1 or args.clients < 1 or args.stores < 1:
        parser.error("--web counts, --answers, --clients and --stores must be at least 1")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-load-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'load.sqlite3'}"
    target = Target.parse(url)
    target.make_fresh()
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
        SITE_URL="http://127.0.0.1:8000",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT="9",  # nothing is sent here: no manager is told of the tickets
        DEV_OUTBOX="false",
    )
    os.environ.pop("DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor} {target.display}")
    print(f"load average at start: {load()}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    account, stores = make_account(args.stores)
    spare = open_links(account, stores, 2 + args.profile, rng, prefix="spare")
    runs = [open_links(account, stores, args.answers, rng, prefix=f"web{w}") for w in webs]
    print(
        f"{args.stores} stores; {args.answers * len(webs) + len(spare):,} open survey links "
        f"recorded through the intake in {time.perf_counter() - started:.1f} s"
    )
    print()
    where_the_time_goes(spare, args.profile)

    results = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for web, tokens in zip(webs, runs, strict=True):
        with Server(web, workdir / f"web-{web}", env, worker=not args.no_worker) as server:
            anchor = static_anchor(server.port, args.anchor, args.clients)
            cpu, client, machine = server.cpu_seconds(), time.process_time(), machine_cpu()
            worker, database = server.worker_cpu_seconds(), postgres_cpu()
            answered = answer_all(server.port, tokens, args.clients, random.Random(web))
            if connection.vendor == "postgresql":  # SQLite works inside the processes above
                answered.database_cpu = postgres_cpu() - database
            answered.web_cpu = server.cpu_seconds() - cpu
            answered.worker_cpu = server.worker_cpu_seconds() - worker
            answered.client_cpu = time.process_time() - client
            answered.machine_cpu = machine_cpu() - machine
        results.append((web, anchor, answered, os.getloadavg()[0]))
        print(f"  {web} web worker(s): done, load {os.getloadavg()[0]:.2f}", flush=True)
    print()
    print_table(results, args)
    print()
    problems = check(account, expected=args.answers * len(webs) + 2 + args.profile)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if not problems:
        print("checks: every link answered exactly once; the figures equal a rebuild's")
    print(f"load average at end: {load()}")
    shutil.rmtree(workdir, ignore_errors=True)
    errors = sum(r[2].errors for r in results)
    return 1 if problems or errors else 0


# The account and its open links ---------------------------------------------------------------


def make_account(n_stores: int):
    from django.db import transaction

    from touchpoint.accounts.actions import do_create_unit
    from touchpoint.accounts.models import Account
    from touchpoint.surveys.models import Touchpoint

    with transaction.atomic():
        account = Account.objects.create(
            name="Nimbus Mobile", slug="bench-load", time_zone="Europe/London"
        )
        brand = do_create_unit(account=account, kind="brand", code="nimbus", name="Nimbus")
        regions = [
            do_create_unit(
                account=account, kind="region", code=f"r{r}", name=f"Region {r}", parent=brand
            )
            for r in range(10)
        ]
        stores = []
        for s in range(n_stores):
            stores.append(
                do_create_unit(
                    account=account,
                    kind="store",
                    code=f"store-{s:04d}",
                    name=f"Store {s}",
                    parent=regions[s % len(regions)],
                ).code
            )
        Touchpoint.objects.create(
            account=account, slug="store-purchase", name="Store purchase", kind="store_purchase"
        )
    return account, stores


def open_links(account, stores, n: int, rng: random.Random, *, prefix: str) -> list[str]:
    """`n` interactions through the intake, their invitations marked as sent (as the outbox
    would): the survey links a burst of answers follows."""
    from django.utils import timezone

    from touchpoint.intake.actions import record_interactions
    from touchpoint.intake.schemas import InteractionIn
    from touchpoint.surveys.models import Invitation
    from touchpoint.surveys.tokens import survey_token

    now = timezone.now()
    ids = []
    for start in range(0, n, BATCH):
        items = [
            InteractionIn(
                external_id=f"{prefix}-{i}",
                touchpoint="store-purchase",
                unit=rng.choice(stores),
                occurred_at=now - dt.timedelta(minutes=rng.randint(1, 600)),
                contact={"email": f"{prefix}-{i}@example.com", "name": f"Customer {i}"},
            )
            for i in range(start, min(n, start + BATCH))
        ]
        result = record_interactions(account, items)
        if not result.ok:
            raise SystemExit(f"the intake refused the benchmark's interactions: {result.errors}")
        ids += [item.invitation.pk for item in result.items if item.invitation is not None]
    if len(ids) != n:
        raise SystemExit(f"expected {n} invitations, the intake planned {len(ids)}")
    Invitation.objects.filter(pk__in=ids).update(
        state="sent", sent_at=now, expires_at=now + dt.timedelta(days=30)
    )
    return [survey_token(i) for i in Invitation.objects.filter(pk__in=ids).order_by("pk")]


# Where the time goes (in this process) ------------------------------------------------------


def where_the_time_goes(tokens: list[str], profile: int) -> None:
    from django.db import connection
    from django.test import Client

    def measured(method: str, token: str, data: dict | None = None):
        client = Client(enforce_csrf_checks=False)
        queries = []

        def count(execute, sql, params, many, context):
            if not sql.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
                queries.append(sql)  # the transaction's own statements are not the answer's
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            cpu = time.process_time()
            reply = getattr(client, method)(f"/s/{token}", data or {})
            cpu = time.process_time() - cpu
        return reply, len(queries), cpu * 1000

    from touchpoint.wsgi import warm_up

    warm_up()  # as the server does before its workers start: no first-request import cost
    print("one request, in this process (no server, warmed up as the server is):")
    for token, score, kind in ((tokens[0], "10", "promoter"), (tokens[1], "3", "detractor")):
        page, page_queries, page_ms = measured("get", token)
        answer, answer_queries, answer_ms = measured("post", token, {"score": score})
        assert page.status_code == 200 and answer.status_code == 302, answer.status_code
        print(
            f"  {kind}: page {page_queries} queries {page_ms:.1f} ms CPU; "
            f"answer {answer_queries} queries {answer_ms:.1f} ms CPU"
        )
    if profile:
        client = Client()
        profiler = cProfile.Profile()
        profiler.enable()
        for n, token in enumerate(tokens[2 : 2 + profile]):
            client.get(f"/s/{token}")
            client.post(f"/s/{token}", {"score": str(n % 11)})
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"\nprofile of {profile} page views and answers (cumulative):")
        print("\n".join(out.getvalue().splitlines()[:60]))
    print()


# The server -----------------------------------------------------------------------------------


class Server:
    """`touchpoint serve` with `web` worker processes (and a `touchpoint worker`)."""

    def __init__(self, web: int, directory: Path, env: dict, *, worker: bool) -> None:
        self.web, self.directory, self.env, self.worker = web, directory, env, worker
        self.processes: list[subprocess.Popen] = []
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = s.getsockname()[1]

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        with open(self.directory / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "touchpoint", *command],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def __enter__(self) -> Server:
        self.directory.mkdir(parents=True)
        serve = self._start(
            "serve",
            [
                *("serve", "--host", HOST, "--port", str(self.port)),
                *("--workers", str(self.web), "--no-collectstatic"),
            ],
        )
        if self.worker:
            self._start("worker", ["worker"])
        deadline = time.monotonic() + 300  # a busy machine boots Django slowly
        ready = 0
        while ready < 3 * self.web:  # every worker process up (a request or more each)
            if serve.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start: see {self.directory}")
            try:
                status, _ = get(self.port, "/static/touchpoint/survey.css")
                ready += status == 200
            except OSError:
                time.sleep(0.1)
        return self

    def cpu_seconds(self) -> float:
        """CPU time used so far by the web server: gunicorn's master and its workers (Linux
        /proc). Per answer, a figure the neighbours on a shared machine barely move."""
        master = self.processes[0].pid  # `touchpoint serve` became gunicorn's master
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            return 0.0
        return self._cpu([str(master), *children])

    def worker_cpu_seconds(self) -> float:
        """CPU time used so far by the background worker (folds, relays), if it runs."""
        return self._cpu([str(p.pid) for p in self.processes[1:]])

    @staticmethod
    def _cpu(pids: list[str]) -> float:
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def postgres_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (0 for SQLite, which
    works inside the web and worker processes; a neighbour's queries count too)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds the whole machine has used (busy time of all cores, Linux /proc/stat):
    per answer, it says how many answers two cores could give at most (neighbours count)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    busy = sum(int(f) for i, f in enumerate(fields[:8]) if i not in (3, 4))  # less idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


# The clients ----------------------------------------------------------------------------------


@dataclass
class Timings:
    seconds: float = 0.0
    done: int = 0
    errors: int = 0
    first_errors: list = field(default_factory=list)
    page: list = field(default_factory=list)
    answer: list = field(default_factory=list)
    both: list = field(default_factory=list)
    web_cpu: float = 0.0  # seconds of the web server's CPU while these answers were given
    worker_cpu: float = 0.0  # of the background worker meanwhile (folds, relays)
    database_cpu: float | None = None  # of the machine's PostgreSQL processes, if used
    client_cpu: float = 0.0  # of this process: the clients' own (HTTP, reading the form)
    machine_cpu: float = 0.0  # of the whole machine: server, worker, database, clients

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(what)


def run_clients(clients: int, jobs: list, work) -> Timings:
    timings, lock, position = Timings(), threading.Lock(), iter(range(len(jobs)))

    def client() -> None:
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            work(jobs[index], timings, lock)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings.seconds = time.perf_counter() - started
    return timings


def static_anchor(port: int, n: int, clients: int) -> Timings:
    def fetch(_job, timings: Timings, lock) -> None:
        started = time.perf_counter()
        try:
            status, _ = get(port, "/static/touchpoint/survey.css")
        except OSError as error:
            status = repr(error)
        took = time.perf_counter() - started
        with lock:
            if status == 200:
                timings.done += 1
                timings.both.append(took)
            else:
                timings.error(f"static: {status}")

    return run_clients(clients, list(range(n)), fetch)


FORM = re.compile(r"<form\b.*?</form>", re.S)
FIELD = re.compile(r"<(input|textarea)\b([^>]*)>")
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


@dataclass
class Form:
    """The survey form's fields: hidden inputs with their values, the score's choices, the
    comment's name. Read with regular expressions: the page is ours and well-formed, and
    `html.parser` cost the clients half a millisecond per page, CPU the server shares."""

    hidden: dict = field(default_factory=dict)
    scores: list = field(default_factory=list)
    text: str | None = None

    @classmethod
    def read(cls, page: str) -> Form:
        form = cls()
        found = FORM.search(page)
        for tag, attributes in FIELD.findall(found.group(0) if found else ""):
            a = dict(ATTRIBUTE.findall(attributes))
            if tag == "textarea":
                form.text = a.get("name")
            elif a.get("type") == "hidden":
                form.hidden[a["name"]] = html.unescape(a.get("value", ""))
            elif a.get("type") == "radio":
                form.scores.append((a["name"], a["value"]))
        return form


SCORES = [10] * 30 + [9] * 30 + [8] * 15 + [7] * 10 + [6, 5, 4, 3, 2, 1, 0] * 2 + [6]
COOKIE = re.compile(r"csrftoken=([^;]+)")


def answer_all(port: int, tokens: list[str], clients: int, rng: random.Random) -> Timings:
    plans = [(t, str(rng.choice(SCORES)), rng.random() < 0.4) for t in tokens]

    def respond(plan, timings: Timings, lock) -> None:
        token, score, with_comment = plan
        path = f"/s/{token}"
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request("GET", path, headers={"Accept-Language": "en-GB,en;q=0.8"})
            reply = conn.getresponse()
            page = reply.read().decode()
            cookie = COOKIE.search(reply.getheader("Set-Cookie") or "")
            conn.close()
            shown = time.perf_counter()
            form = Form.read(page)
            if reply.status != 200 or cookie is None or not form.scores:
                raise ValueError(f"page {reply.status}, cookie {bool(cookie)}")
            fields = dict(form.hidden)
            name, _ = form.scores[int(score)]
            fields[name] = score
            if form.text:
                fields[form.text] = "Quick and friendly, thank you." if with_comment else ""
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            conn.request(
                "POST",
                path,
                body=urlencode(fields),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookie.group(1)}",
                    "Accept-Language": "en-GB,en;q=0.8",
                },
            )
            reply = conn.getresponse()
            reply.read()
            conn.close()
            location = reply.getheader("Location") or ""
            if reply.status != 302 or not location.endswith(("/thanks", "/more")):
                raise ValueError(f"answer {reply.status} {location}")
        except (OSError, ValueError, http.client.HTTPException) as error:
            with lock:
                timings.error(repr(error))
            return
        done = time.perf_counter()
        with lock:
            timings.done += 1
            timings.page.append(shown - started)
            timings.answer.append(done - shown)
            timings.both.append(done - started)

    return run_clients(clients, plans, respond)


# Report and checks ------------------------------------------------------------------------------


def ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0] * 1000:.0f}"
    return f"{statistics.quantiles(values, n=100)[int(q) - 1] * 1000:.0f}"


def per(seconds: float | None, answers: int) -> str:
    return f"{seconds * 1000 / answers:.1f}" if answers and seconds is not None else "-"


def print_table(results, args) -> None:
    print(
        f"{args.clients} clients; latency in ms (p50/p99); the anchor: GET of a static file "
        "by the same clients"
    )
    print(
        "| web | answers/s | CPU ms/answer: web, worker, database, clients, machine "
        "| page p50/p99 "
        "| answer p50/p99 | both p50/p99 | errors | anchor req/s | anchor p50/p99 "
        "| answers/s per anchor req/s | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = None
    for web, anchor, t, load_1 in results:
        base = base or t.rate
        print(
            f"| {web} | {t.rate:,.0f} | {per(t.web_cpu, t.done)}, {per(t.worker_cpu, t.done)}, "
            f"{per(t.database_cpu, t.done)}, {per(t.client_cpu, t.done)}, "
            f"{per(t.machine_cpu, t.done)} "
            f"| {ms(t.page, 50)}/{ms(t.page, 99)} "
            f"| {ms(t.answer, 50)}/{ms(t.answer, 99)} | {ms(t.both, 50)}/{ms(t.both, 99)} "
            f"| {t.errors} | {anchor.rate:,.0f} | {ms(anchor.both, 50)}/{ms(anchor.both, 99)} "
            f"| {t.rate / anchor.rate if anchor.rate else 0:.2f} | {load_1:.2f} |"
        )
        for what in t.first_errors + anchor.first_errors:
            print(f"    error: {what}")
    rates = " → ".join(f"{t.rate:,.0f}" for _, _, t, _ in results)
    webs = " → ".join(str(web) for web, *_ in results)
    print(f"scaling with web workers {webs}: {rates} answers/s")
    best = max(results, key=lambda r: r[2].rate)
    p99 = statistics.quantiles(best[2].answer, n=100)[98] * 1000 if len(best[2].answer) > 1 else 0
    met = best[2].rate >= GOAL_RATE and p99 < GOAL_P99_MS
    print(
        f"goal {GOAL_RATE} answers/s with the answer's p99 under {GOAL_P99_MS} ms: "
        f"{'met' if met else 'NOT met'} (best: {best[2].rate:,.0f}/s, p99 {p99:.0f} ms, "
        f"{best[0]} web workers)"
    )


def check(account, *, expected: int) -> list[str]:
    """Each link answered once; report figures equal after a rebuild of the rollups."""
    from django.db.models import Count
    from django.utils import timezone

    from touchpoint.accounts.models import Unit
    from touchpoint.reports import counting
    from touchpoint.reports.folding import rebuild
    from touchpoint.reports.params import check_report_request
    from touchpoint.responses.models import Response
    from touchpoint.surveys.models import Invitation

    problems = []
    responses = Response.objects.filter(account=account)
    twice = responses.values("invitation_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    if twice:
        problems.append(f"{twice} invitations have more than one response")
    if responses.count() != expected:
        problems.append(f"{responses.count()} responses stored, {expected} expected")
    answered = Invitation.objects.filter(account=account, state="answered").count()
    if answered != expected:
        problems.append(f"{answered} invitations answered, {expected} expected")

    def figures() -> dict:
        now = timezone.now()
        out = {}
        for unit in Unit.objects.filter(account=account):
            request = check_report_request(unit=unit, now=now, preset="")
            out[unit.pk] = dict(counting.histograms(request, ("touchpoint", "channel")))
        return out

    before = figures()
    rebuild(account)
    after = figures()
    differ = [pk for pk in after if before.get(pk) != after[pk]]
    if differ:
        problems.append(f"{len(differ)} units' figures differ from a rebuild's")
    brand = Unit.objects.get(account=account, depth=0)
    total = sum(sum(h) for h in after[brand.pk].values())
    if total != expected:
        problems.append(f"the brand counts {total} answers, {expected} expected")
    return problems


if __name__ == "__main__":
    sys.exit(main())
