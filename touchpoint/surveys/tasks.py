"""Background tasks (django-tasks). They take ids or nothing, and call the domain."""

from __future__ import annotations

from django_tasks import task

from touchpoint.surveys import delivery


@task()
def send_due_invitations() -> int:
    return delivery.send_due_invitations()


@task()
def sweep_invitations() -> dict[str, int]:
    return delivery.sweep()
