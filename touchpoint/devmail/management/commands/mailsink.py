import signal
import threading

from django.core.management.base import BaseCommand

from touchpoint.devmail.mailsink import start_mailsink


class Command(BaseCommand):
    help = "Run a local SMTP catch-all that stores every message for the dev outbox page."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)

    def handle(self, *args, host: str, port: int, **options):
        controller = start_mailsink(host, port)
        self.stdout.write(f"Catching mail on smtp://{host}:{port} (Ctrl+C to stop)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
