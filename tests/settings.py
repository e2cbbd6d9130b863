"""Test settings: production-like (DEBUG off) with a throwaway secret key."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SITE_URL", "http://testserver")

from touchpoint.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

STATIC_ROOT = Path(tempfile.mkdtemp(prefix="touchpoint-static-"))
WHITENOISE_USE_FINDERS = True  # nothing is collected for the tests
