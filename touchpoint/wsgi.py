"""WSGI entry point for production servers (gunicorn touchpoint.wsgi).

`touchpoint serve` has gunicorn load this module once, in its master process, before it
forks the workers (`--preload`): what a process's first request would otherwise pay is paid
here, once, and every worker starts warm.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

from touchpoint.lib.heap import freeze_loaded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "touchpoint.settings")
application = get_wsgi_application()

# The pages a respondent sees, compiled before the first one is asked for.
WARM_TEMPLATES = ("front/survey.html", "front/survey_more.html", "front/thanks.html")


def warm_up() -> None:
    """Import every view (the URLconf: the API's schemas alone took most of a first page
    view's 0.7 s of CPU), index the URLs for `reverse` (0.6 s more on a first redirect) and
    compile their patterns, compile the survey's templates and load each language's
    catalogue. Opens no database connection that a forked worker would share (any opened
    is closed)."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (the property imports the views)
    for name in WARM_TEMPLATES:
        get_template(name)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # URL indexes and catalogues are per language
            translation.gettext("Thank you for your answer!")
            resolver.reverse_dict  # noqa: B018 (the property indexes the URLs)
            resolver.resolve("/s/warm-up/thanks")  # compiles the patterns on its way
    connections.close_all()


warm_up()
# What is loaded now stays for the process's life: left out of the collector's walks (each
# request's objects set them off), and not written to by them, so the forked workers keep
# sharing its memory pages with the master.
freeze_loaded()
