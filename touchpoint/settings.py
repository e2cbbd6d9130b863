"""Django settings, read from the environment (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from touchpoint.lib.env import env_bool, env_float, env_header, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("TOUCHPOINT_DATA_DIR", str(BASE_DIR.parent / "data")))

DEFAULT_SECRET_KEY = "insecure-default-key-for-development-only"
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
if SECRET_KEY == DEFAULT_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key. Set SECRET_KEY to a long random value, "
        "or set DEBUG=true for local development."
    )
# Former keys, comma-separated, while a new SECRET_KEY takes over: sessions and password-reset
# links made with them stay valid, and the survey links sent under them can still be rebuilt
# for reminders (touchpoint/lib/links.py; a link already sent opens whatever the key). Drop a
# key once the surveys sent under it have expired.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of this installation, used in links sent to customers.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs assets locally (no CDN)
    "django_tasks",
    "django_tasks_db",
    "touchpoint.accounts",
    "touchpoint.outbox",
    "touchpoint.ratelimits",
    "touchpoint.events",
    "touchpoint.contacts",
    "touchpoint.surveys",
    "touchpoint.responses",
    "touchpoint.intake",
    "touchpoint.reports",
    "touchpoint.notifications",
    "touchpoint.tickets",
    "touchpoint.front",
    "touchpoint.explorer",
    "touchpoint.widget",
    "touchpoint.sms",
    "touchpoint.kiosks",
    "touchpoint.interviews",
    "touchpoint.devmail",
    "touchpoint.delighted",
    "touchpoint.digests",
    "touchpoint.targets",
    "touchpoint.alerts",
    "touchpoint.setup",
    "touchpoint.analysis",
    "touchpoint.connectors",
    "touchpoint.worker",
    "touchpoint.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "touchpoint.front.middleware.ReaderTimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "touchpoint.urls"
WSGI_APPLICATION = "touchpoint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "touchpoint.front.context.menu",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'touchpoint.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the worker writes; IMMEDIATE transactions take the
    # write lock up front, so two writers queue instead of failing with "database is locked".
    # A page cache of up to 64 MB (default 2 MB) keeps the unique indexes a long import
    # inserts into in memory (about +7% rows/s in a 200,000-row import).
    # A web process keeps its connection between requests (10 minutes unless
    # DATABASE_CONN_MAX_AGE says otherwise), as on PostgreSQL: opening one, with its pragmas,
    # the schema read and an empty page cache, took 6 of an answer's 14 ms of CPU (page and
    # answer, benchmarks/load.py). Autocommit keeps no read open between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000;"
            " PRAGMA cache_size=-65536;"
        ),
    }
else:
    # A dashboard figure is a UNION ALL of a few index ranges of rollups. PostgreSQL hands
    # the branches to parallel workers, which cost more to start than the branches take: a
    # brand's leaderboard statement ran in 12.6 ms with them, 2.9 ms without (10 M answers).
    # A startup parameter costs no round trip; other parallel plans (a scan of raw answers)
    # stay allowed. The rollups table also takes no parallel scan (reports migration 0002).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = "-c enable_parallel_append=off"
    # Connections are kept (60 s unless DATABASE_CONN_MAX_AGE says otherwise; checked before
    # reuse): opening one costs more than a whole dashboard's statements. On a kept
    # connection the rollup statements are prepared from their second run (see
    # lib.compiled.prepared_cursor; Django's own cursors bind client-side and never are):
    # planning took 0.25 of a store headline's 0.5 ms. A pooler in transaction mode must keep
    # prepared statements (PgBouncer 1.21+, max_prepared_statements), or set
    # DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        options["prepare_threshold"] = 1  # prepared from the second run
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Respondent-facing languages: the catalogues in touchpoint/locale/ (committed compiled).
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("hi", "हिन्दी"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Formats Django lacks for our languages (Hindi's digit grouping); the rest are Django's.
FORMAT_MODULE_PATH = ["touchpoint.lib.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from it (collectstatic)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# WhiteNoise serves the collected files (compressed, cached by browsers); until
# `collectstatic` has run (development, tests) it finds them in the apps instead, as they are.
WHITENOISE_USE_FINDERS = DEBUG or not any(STATIC_ROOT.iterdir())

# Email: real SMTP. The demo points this at its local catch-all (`touchpoint mailsink`).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "surveys@touchpoint.localhost")
# For benchmarks only: every wait of the outbox (leases, retry back-off, circuit probes) is
# multiplied by this, so benchmarks/faults.py settles in seconds rather than hours.
OUTBOX_TIME_SCALE = env_float("OUTBOX_TIME_SCALE", 1.0)
if not 0 < OUTBOX_TIME_SCALE <= 1:
    raise ImproperlyConfigured("OUTBOX_TIME_SCALE must be above 0 and at most 1")

# Website widget and in-app endpoints: requests per client address and key per minute.
WIDGET_RATE_LIMIT = env_int("WIDGET_RATE_LIMIT", 30)
# Reverse proxies in front of the web processes: the client address is then read from
# X-Forwarded-For, that many entries from the right (0: the connection's own address).
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# Requests per minute per API key on the Delighted-compatible API (429 + Retry-After past it).
DELIGHTED_RATE_LIMIT = env_int("DELIGHTED_RATE_LIMIT", 600)
# SMS: the provider's API address (blank: Twilio's own; tests point it at a local imitation),
# and how long a request to it may take.
TWILIO_API_URL = env_str("TWILIO_API_URL").rstrip("/")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 15)
# Connectors (helpdesks, CRMs, newsletters): the key their stored credentials are encrypted
# with (blank: derived from SECRET_KEY), and how long a call to a vendor may take.
CONNECTOR_KEY = env_str("CONNECTOR_KEY")
CONNECTOR_TIMEOUT = env_int("CONNECTOR_TIMEOUT", 15)
# In-store kiosks: answers accepted per kiosk per minute (a person needs ~10 s per answer).
KIOSK_ANSWERS_PER_MINUTE = env_int("KIOSK_ANSWERS_PER_MINUTE", 6)
# ...and how long its thank-you stays up before the question comes back.
KIOSK_THANKS_SECONDS = env_int("KIOSK_THANKS_SECONDS", 5)

# `touchpoint serve` (gunicorn): where it listens, how many worker processes (0: two per
# core plus one), and how many seconds a request may take before its worker is replaced.
WEB_HOST = env_str("WEB_HOST", "127.0.0.1")
WEB_PORT = env_int("WEB_PORT", 8000)
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 0)
WEB_TIMEOUT = env_int("WEB_TIMEOUT", 30)

# The dev outbox page lists mail captured by `touchpoint mailsink` (demo and development only).
DEV_OUTBOX = env_bool("DEV_OUTBOX", DEBUG)

# HTTPS, for production behind a reverse proxy that terminates TLS (README "Running in
# production"). SECURE_PROXY_SSL_HEADER names the header the proxy sets on every request it
# received over HTTPS (X-Forwarded-Proto): set it only if the proxy always overwrites it, or
# a client could claim HTTPS. HSTS tells browsers to come back over HTTPS only, for that
# many seconds: start small, it cannot be taken back before it runs out.
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
# Cookies only over HTTPS: on by default once plain HTTP is redirected.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "touchpoint": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "django_tasks_db": {"handlers": ["console"], "level": "WARNING"},
        # Twilio's client logs whole requests (numbers, texts) at INFO: personal data.
        "twilio": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
