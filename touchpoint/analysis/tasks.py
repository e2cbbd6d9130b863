"""Background tasks (django-tasks): they call the sweep."""

from __future__ import annotations

from django_tasks import task

from touchpoint.analysis import sweep


@task()
def analyse_pending() -> int:
    return sweep.analyse_pending()
