"""How long the organisation takes to sync from an HR file, on a throwaway database.

    .venv/bin/python benchmarks/units.py [--stores 5000] [--managers 6000]

Generates a brand's store-master file (a brand, 12 regions, `--stores` stores with a format and
a size, and `--managers` store managers and viewers), then times, through the same functions
as `touchpoint import-units` and `PUT /api/v1/units`:

1. the first sync: check and plan, then apply (units created, every manager invited, each
   invitation email rendered and handed to Django's in-memory mail backend on commit);
2. a week later: the file with 200 stores moved to another region, 300 renamed, 100 gone
   (closed with close_missing), 50 new, and 500 managers replaced (removed with
   remove_missing_members): plan, then apply;
3. the same file again, which must change nothing.

The anchor, measured in the same run on the same database: inserting as many units and
invitations with one bulk INSERT each and nothing else (no checks, no paths, no mail), the
floor any sync stands on. Wall and CPU seconds are printed (on a shared machine compare CPU).
The target: the first sync (plan + apply) under 30 s on SQLite. Uses SQLite in a temporary
directory unless DATABASE_URL names a database with "bench" in its name (emptied first).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGIONS = 12


def store_file(stores: int, managers: int, *, week: int, rng: random.Random) -> str:
    """The HR file of one week as CSV text."""
    lines = ["code,name,kind,parent,time_zone,managers,attribute.format,attribute.sqm"]
    lines.append("brand,Nimbus Mobile,brand,,Europe/London,,,")
    for r in range(REGIONS):
        lines.append(f"region-{r:02d},Region {r},region,brand,,,,")
    moved = set(rng.sample(range(stores), 200)) if week else set()
    renamed = set(rng.sample(range(stores), 300)) if week else set()
    gone = set(rng.sample(range(stores), 100)) if week else set()
    replaced = set(rng.sample(range(stores), 500)) if week else set()
    second = managers - stores  # stores with a viewer as well as a manager
    for s in range(stores + (50 if week else 0)):
        if s in gone:
            continue
        region = (s + (5 if s in moved else 0)) % REGIONS
        name = f"Store {s}" + (" (new name)" if s in renamed else "")
        people = [f"m{s}{'b' if s in replaced else ''}@nimbus.example:manager"]
        if s < second:
            people.append(f"v{s}@nimbus.example:viewer")
        fmt = ("mall", "street", "airport")[s % 3]
        parent = f"region-{region:02d}"
        size = 80 + s % 90
        lines.append(f"store-{s:05d},{name},store,{parent},,{'; '.join(people)},{fmt},{size}")
    return "\n".join(lines) + "\n"


def timed(label: str, call):
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<44} {wall:7.2f} s wall {cpu:7.2f} s CPU")
    return result, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=5000)
    parser.add_argument("--managers", type=int, default=6000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-"))
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in url.rsplit("/", 1)[-1]:  # the database's own name
        sys.exit("DATABASE_URL must name a throwaway database with 'bench' in its name.")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(
        SECRET_KEY="benchmark",
        DJANGO_SETTINGS_MODULE="touchpoint.settings",
        TOUCHPOINT_DATA_DIR=str(workdir),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from touchpoint.accounts.models import Account, MemberInvitation, Unit
    from touchpoint.notifications.people import send_due_member_mails
    from touchpoint.setup import units as sync
    from touchpoint.setup.unitrows import read_unit_csv

    call_command("migrate", verbosity=0)
    if url:  # a named benchmark database: start it empty
        call_command("flush", interactive=False, verbosity=0)
    print(f"database: {os.environ['DATABASE_URL'].split('://')[0]}")
    print(f"file: {args.stores} stores in {REGIONS} regions, {args.managers} managers")
    rng = random.Random(7)
    first = read_unit_csv(store_file(args.stores, args.managers, week=0, rng=rng))[0]
    later = read_unit_csv(store_file(args.stores, args.managers, week=1, rng=rng))[0]

    # The anchor: the same number of rows, one bulk INSERT each, in a scratch account.
    scratch = Account.objects.create(name="Anchor", slug="anchor")

    def floor():
        with transaction.atomic():
            Unit.objects.bulk_create(
                Unit(account=scratch, kind="store", code=f"a-{n}", name=f"A {n}", path="/")
                for n in range(len(first))
            )
            root = Unit.objects.filter(account=scratch).first()
            MemberInvitation.objects.bulk_create(
                MemberInvitation(
                    account=scratch,
                    unit=root,
                    role="manager",
                    email=f"a{n}@x.example",
                    token_hash=f"{n:064d}",
                    expires_at=timezone.now(),
                )
                for n in range(args.managers)
            )

    _, anchor = timed("anchor: bulk INSERT of the same rows", floor)

    account = Account.objects.create(name="Nimbus", slug="nimbus", time_zone="Europe/London")
    _, plan_wall = timed("first sync: check and plan", lambda: sync.prepare(account, first))
    applied, apply_wall = timed(
        "first sync: apply (one transaction)",
        lambda: sync.do_apply_sync(account, first, source="bench"),
    )

    def send_all() -> None:
        # What the worker does with the invitation emails the sync queued in the outbox.
        while send_due_member_mails(limit=500):
            pass

    _, mail_wall = timed("  then the invitation emails, by the outbox", send_all)
    counts = {k: v for k, v in applied.counts.items() if v}
    print(f"  {counts}; {len(mail.outbox)} invitation emails rendered and sent")
    options = {"close_missing": True, "remove_missing_members": True}
    week, _ = timed("a week later: check and plan", lambda: sync.prepare(account, later, **options))
    print(f"  { ({k: v for k, v in week.counts.items() if v}) }")
    timed(
        "a week later: apply, and its mail",
        lambda: (sync.do_apply_sync(account, later, source="bench", **options), send_all()),
    )
    again, _ = timed(
        "the same file again: apply",
        lambda: sync.do_apply_sync(account, later, source="bench", **options),
    )
    left = {k: v for k, v in again.counts.items() if v}
    total = plan_wall + apply_wall
    print(f"  changes the second time: {left or 'none'}")
    print(
        f"first sync, plan + apply: {total:.1f} s, {total / anchor:.0f} times the bulk-insert "
        f"anchor of {anchor:.2f} s (target under 30 s: {'met' if total < 30 else 'MISSED'}); "
        f"with its {len(mail.outbox) and applied.counts['invited']} emails: "
        f"{total + mail_wall:.1f} s"
    )
    if left:
        sys.exit("the second run changed something")


if __name__ == "__main__":
    main()
