"""Settings of ethnic_portal, read from environment variables only.

Embedded default (nothing set): SQLite file beside manage.py, Celery tasks run in-process.
With DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... the same code runs on
PostgreSQL and a real Celery worker. Every variable is listed in `.env.example`.
"""

import datetime
import os
import re
import secrets
import warnings
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_rate(name: str, default: str) -> str:
    """A request rate for DRF's throttling (`60/min`, `10/hour`); a malformed one stops the start-up."""
    value = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name}={value!r}: a rate is <number>/<s|min|hour|day>, e.g. 60/min")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = secrets.token_urlsafe(50)
    warnings.warn("DJANGO_SECRET_KEY is not set: using a throwaway key (sessions end on restart).", stacklevel=1)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "axes",
    "ethnic_portal",
    "geography",
    "accounts",
    "programs",
    "beneficiaries",
    "disbursement",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Near the top: a lost database connection anywhere below answers a clean 503 (ethnic_portal/outage.py).
    "ethnic_portal.outage.DatabaseUnavailableMiddleware",
    "ethnic_portal.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ethnic_portal.middleware.SessionRefreshMiddleware",
    "ethnic_portal.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ethnic_portal.urls"
WSGI_APPLICATION = "ethnic_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable server answers a 503 within seconds (libpq would otherwise wait for TCP to give up).
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {
                # One writer at a time, taken at BEGIN: no "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL:
    # Redis down: the cache answers as an empty one and pages still work (ethnic_portal/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "ethnic_portal.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The dashboards and progress/ are cached under the data version, so they stay live (ethnic_portal/page_cache.py);
# an entry lives this long at most. 0 turns the cache off.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 10 * 60)

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
# django-axes: the first backend refuses a locked-out username/address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair for 15 minutes (a wrong password
# from elsewhere does not lock the officer out); a successful login clears the count.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DJANGO_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_VERBOSE = False
# Behind the reverse proxy of docker-compose/production the client address is the first X-Forwarded-For entry.
AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# Sessions end after this many seconds without a request; the stored expiry and the cookie are renewed when the
# last renewal is SESSION_REFRESH_SECONDS old (ethnic_portal.middleware.SessionRefreshMiddleware), not by a write on
# every request.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_SECONDS", 2 * 60 * 60)
SESSION_REFRESH_SECONDS = env_int("DJANGO_SESSION_REFRESH_SECONDS", 5 * 60)
SESSION_COOKIE_HTTPONLY = True

# --- Internationalisation ---------------------------------------------------------------
# Source strings are Vietnamese; locale/en holds the English catalogue.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "").strip() or BASE_DIR / "media")
# `manage.py backup` (make backup) writes its archives here; `manage.py restore` reads any path.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", "").strip() or BASE_DIR / "backups")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (switched on with debug off; each can be overridden) ----------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# Content-Security-Policy (django-csp): everything from the portal itself, no inline script or style
# (templates carry none; htmx's indicator style is in portal.css), no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Paths answered over plain HTTP for load balancers and container health checks.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# No result store: every task keeps its state in the database (report and export jobs, the status page's
# WorkerPing) and nothing waits on a task's result. Celery's Redis result store subscribed each call to its answer,
# and a frozen Redis held those subscriptions for 12 s and more in whichever request collected them.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis down or hung: a request that hands a task over gives up within seconds (two tries, each bounded by the
# connect and socket timeouts) instead of retrying for a minute; the report then waits in the database and is sent
# again when Redis is back (reports.services.requeue_waiting, every CELERY_REQUEUE_SECONDS).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# A task whose worker died without acknowledging it (killed, out of memory) goes back to the queue after this many
# seconds. Longer than any task (CELERY_TASK_TIME_LIMIT) and any retry countdown; the fault tests set it short.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such tasks (kombu's default would scan only every 100 s).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 2,
    # A Redis that hangs (accepts the connection, never answers) must not hang a request either.
    "socket_timeout": 2,
}
CELERY_REQUEUE_SECONDS = env_int("CELERY_REQUEUE_SECONDS", 60)
CELERY_BEAT_SCHEDULE: dict = {
    # Each province's current-period report, rebuilt at night as the province's system account (reports.services).
    "reports-nightly-rebuild": {"task": "reports.report_nightly_rebuild_task", "schedule": crontab(hour=1, minute=30)},
    # The reporting units late with a period whose deadline has passed, for the province's dashboard.
    "reports-overdue-daily": {"task": "reports.overdue_compute_task", "schedule": crontab(hour=0, minute=20)},
    # Reports still waiting for the queue (it was down when they were asked for, or lost them): sent again.
    "reports-requeue-waiting": {"task": "reports.report_requeue_task", "schedule": CELERY_REQUEUE_SECONDS},
    # Export files older than EXPORT_KEEP_HOURS removed (they may hold personal data); lost builds failed.
    "exports-cleanup": {"task": "ethnic_portal.export_cleanup_task", "schedule": crontab(minute=15)},
}

# --- Excel exports (ethnic_portal/excel_export.py, export_jobs.py) -----------------------------------------------
# A list of more rows than this is written by a Celery job (progress page, then download) instead of during the
# request: about a second of writing on a 2-core server (docs/benchmarks.md).
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 20_000)
# Hours an export job's file is kept for its requester to download.
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so that an unauthenticated call answers 401 with WWW-Authenticate: Token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ethnic_portal.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ethnic_portal.api.exception_handler",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": False,  # rates are JSON numbers (19.7), money is integer đồng
    # Throttling (ethnic_portal/throttling.py): without credentials by address, signed in by account, the token
    # endpoint by address at its own stricter rate; beyond a rate, 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "ethnic_portal.throttling.AnonRateThrottle",
        "ethnic_portal.throttling.UserRateThrottle",
        "ethnic_portal.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("DJANGO_API_RATE_ANON", "60/min"),
        "user": env_rate("DJANGO_API_RATE_USER", "1200/min"),
        "auth_token": env_rate("DJANGO_API_RATE_TOKEN", "10/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ethnic_portal API",
    "DESCRIPTION": "Cổng quản lý Chương trình MTQG DTTS&MN (Quyết định 1719/QĐ-TTg). Tiền: số nguyên đồng.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Report levels (province/district/commune) are a subset of unit levels: their own enum in the schema.
    "ENUM_NAME_OVERRIDES": {"ReportLevelEnum": "reports.models.ReportLevel"},
}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
