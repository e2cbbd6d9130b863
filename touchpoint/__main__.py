"""The `touchpoint` console script: Django's management entry point with our settings."""

from __future__ import annotations

import os
import sys

# `touchpoint demo` is a local, zero-configuration run: development mode, mail to the
# catch-all that the demo starts, an SQLite file in ./data. Explicit settings still win.
DEMO_ENVIRONMENT = {
    "DEBUG": "true",
    "DEV_OUTBOX": "true",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": "1025",
    "SITE_URL": "http://localhost:8000",
}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "touchpoint.settings")
    if args[:1] == ["demo"]:
        for name, value in DEMO_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["touchpoint", *args])


if __name__ == "__main__":
    main()
