"""`touchpoint demo`: migrate, seed, then run the web server, the worker and a mail catch-all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import Account
from touchpoint.demo.seed.channels import KIOSK_NAME
from touchpoint.demo.seed.org import DEMO_PASSWORD, DEMO_PEOPLE
from touchpoint.kiosks.actions import do_new_kiosk_link
from touchpoint.kiosks.models import Kiosk

DEMO_USER = "admin"


def _wait_for_port(host: str, port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)


class Command(BaseCommand):
    help = "Run the demo: seeded data, web server, background worker and a local mail catch-all."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, port: int, no_seed: bool, **options):
        call_command("migrate", verbosity=0)
        if not no_seed:
            call_command("seed-demo")
        user_model = get_user_model()
        if not user_model.objects.filter(username=DEMO_USER).exists():
            user_model.objects.create_superuser(DEMO_USER, "admin@example.com", DEMO_PASSWORD)

        account = Account.objects.get(slug="demo")
        api_key = do_create_api_key(account=account, name="demo run").secret
        london_key = do_create_api_key(
            account=account,
            name="demo run (London region only)",
            unit=account.units.get(code="region-london"),
        ).secret
        # The kiosk's link is shown once, so each run mints a fresh one to print.
        kiosk = Kiosk.objects.filter(account=account, name=KIOSK_NAME).first()
        kiosk_path = do_new_kiosk_link(kiosk=kiosk).path if kiosk else ""
        env = {**os.environ, "SITE_URL": f"http://localhost:{port}"}
        command = [sys.executable, "-m", "touchpoint"]
        mailsink = subprocess.Popen(
            [*command, "mailsink", "--port", str(settings.EMAIL_PORT)], env=env
        )
        _wait_for_port(settings.EMAIL_HOST, settings.EMAIL_PORT)  # before the worker sends
        # This week's digest for every manager, so the outbox shows one at once (once a week).
        subprocess.run([*command, "send-digests", "--now"], env=env, check=False)
        processes = [
            mailsink,
            subprocess.Popen([*command, "worker"], env=env),
            subprocess.Popen(
                [*command, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
                env=env,
            ),
        ]
        base = f"http://localhost:{port}"
        self.stdout.write(
            self.style.SUCCESS("\nTouchpoint demo is running.\n")
            + f"  Home:        {base}/\n"
            + f"  Sign in:     {base}/login/   password {DEMO_PASSWORD} for every user:\n"
            + "".join(
                f"                 {username:<16} {role} of {unit}\n"
                for username, _, unit, role in DEMO_PEOPLE
            )
            + f"  Admin:       {base}/admin/   (user {DEMO_USER})\n"
            + f"  Responses:   {base}/responses/   (filter, search, open, export)\n"
            + f"  Dev outbox:  {base}/dev/outbox/   (signed in as {DEMO_USER}: survey emails to\n"
            + "               answer, weekly digests, and SMS, kept there since no Twilio\n"
            + "               credentials are set)\n"
            + f"  Interviews:  {base}/interviews/   (as london-manager: phone calls due now)\n"
            + (f"  Kiosk:       {base}{kiosk_path}   (Oxford Street tablet)\n" if kiosk else "")
            + f"  API docs:    {base}/api/v1/docs\n"
            + f"  API key:     {api_key}\n"
            + f"  London key:  {london_key}   (reports of the London region only)\n"
            + f"  Reports API: curl -H 'Authorization: Bearer {london_key}' \\\n"
            + f"                 '{base}/api/v1/reports/nps?period=12m&group_by=unit'\n"
            + f"  Delighted:   {base}/delighted/v1/   (same key: README, Moving from Delighted)\n"
            + "Press Ctrl+C to stop.\n"
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            self.stderr.write("A demo process stopped unexpectedly (is the port in use?).")
            sys.exit(1)
