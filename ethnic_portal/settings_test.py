"""Test settings: the production settings with speed knobs only.

DATABASE_URL and CELERY_BROKER_URL are honoured, because CI runs the suite on PostgreSQL
with a real worker and again on the embedded default.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A fresh folder per process; .ci/run gives the tests and the worker one folder (PORTAL_TEST_MEDIA_ROOT) so that a
# test can open the file a worker wrote.
MEDIA_ROOT = os.environ.get("PORTAL_TEST_MEDIA_ROOT", "").strip() or tempfile.mkdtemp(
    prefix="ethnic_portal_test_media_"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Off in the suite: a test writes and reads inside one transaction that never commits, so the data version would
# not move; tests/ethnic_portal/test_page_cache.py turns it on with real commits.
PAGE_CACHE_SECONDS = 0
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT = tempfile.mkdtemp(prefix="ethnic_portal_test_static_")
# Throttling stays on, at rates the suite and the fuzz run (thousands of requests from one address and one
# account) never reach; tests/test_api_limits.py lowers them to see the 429.
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "user": "1000000/min", "auth_token": "1000000/min"},
}
