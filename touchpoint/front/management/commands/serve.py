"""`touchpoint serve`: the production web server, gunicorn, with Touchpoint's settings."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    """Gunicorn's own advice: two per core plus one (a sync worker waits on the database
    about as long as it computes)."""
    return 2 * (os.cpu_count() or 1) + 1


def gunicorn_argv(*, host: str, port: int, workers: int, timeout: int) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "touchpoint.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--access-logfile",
        "-",  # requests and errors on standard output / error, for journald
        "--error-logfile",
        "-",
        # The application loads (and warms up: touchpoint/wsgi.py) once, in the master, before
        # the workers fork: each starts ready, and they share its memory. A reload (HUP) forks
        # new workers from that same code: restart the service after an upgrade.
        "--preload",
        # No runtime control socket: its default path is one per user, so two servers (or a
        # server and a test) would take each other's; the service manager's signals suffice.
        "--no-control-socket",
    ]


class Command(BaseCommand):
    help = (
        "Run the production web server (gunicorn): collect the static files (served by "
        "WhiteNoise), then serve on WEB_HOST:WEB_PORT with WEB_CONCURRENCY worker processes "
        "(default: two per core plus one). Put it behind a reverse proxy that terminates TLS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.WEB_HOST, help="address to listen on")
        parser.add_argument("--port", type=int, default=settings.WEB_PORT)
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.WEB_CONCURRENCY or default_workers(),
            help="worker processes (default: WEB_CONCURRENCY, else two per core plus one)",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=settings.WEB_TIMEOUT,
            help="seconds a request may take before its worker is restarted",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="skip collectstatic (when it already ran for this version)",
        )

    def handle(self, *args, host, port, workers, timeout, no_collectstatic, **options):
        if workers < 1 or not 0 < port < 65536 or timeout < 1:
            raise CommandError("--workers and --timeout must be at least 1, --port 1 to 65535.")
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(host=host, port=port, workers=workers, timeout=timeout)
        self.stdout.write(f"Serving on {argv[5]} with {workers} worker(s) (gunicorn).")
        self.stdout.flush()
        # Become gunicorn: its master process then receives the service manager's signals
        # (TERM: graceful stop, HUP: reload workers) directly.
        os.execv(sys.executable, argv)  # noqa: S606 (our own interpreter, fixed arguments)
