"""What the answer path calls: `request_analysis` when an answer is stored, its comment
changes or is erased. It marks the answers pending and, once the transaction commits, wakes
a worker (a queued task), so themes and sentiment appear within seconds. Nothing runs on the
survey page's request itself."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from touchpoint.analysis import sweep, tasks


def request_analysis(response_ids: Iterable[int]) -> None:
    if sweep.mark_pending(response_ids):
        transaction.on_commit(wake)


def wake() -> None:
    tasks.analyse_pending.enqueue()
