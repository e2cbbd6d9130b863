"""The one rate limiter: `take` counts a hit in its bucket's current fixed window and says
whether it is within the limit (and else how long to wait).

One statement per hit — INSERT … ON CONFLICT DO UPDATE … RETURNING — so the database
serialises the counts and the limit holds for any number of processes (SQLite 3.35+ and
PostgreSQL). Finished windows are pruned by the worker.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from touchpoint.ratelimits.models import RateCounter


def take(bucket: str, *, limit: int, window: int = 60, now: dt.datetime | None = None):
    """Count one hit; returns (allowed, seconds until the window ends)."""
    now = now or timezone.now()
    epoch = int(now.timestamp())
    start = dt.datetime.fromtimestamp(epoch - epoch % window, tz=dt.UTC)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 "
            "RETURNING hits",
            [bucket, connection.ops.adapt_datetimefield_value(start)],
        )
        (hits,) = cursor.fetchone()
    return hits <= limit, window - epoch % window


def prune(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Forget finished windows (the worker calls this now and then)."""
    deleted, _ = RateCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
