"""Django settings, read from environment variables (see `.env.example`).

With nothing set the app runs on embedded defaults: SQLite, local-memory cache, files on local disk and
background tasks run inline. DJANGO_ENV=production demands the real services and secrets.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.keys import DEVELOPMENT_SECRET_KEY, check_production_keys
from config.logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    missing = [
        name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL") if not env_str(name)
    ]
    if missing:
        raise ImproperlyConfigured(f"production needs these environment variables: {', '.join(missing)}")

SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
# Earlier keys, still accepted when checking signatures (sessions, export links) while a rotation rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
# Access and refresh tokens are signed with their own key when one is set (rotating it logs everyone out).
JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY", SECRET_KEY)
if PRODUCTION:
    check_production_keys(
        {
            "SECRET_KEY": SECRET_KEY,
            **({"JWT_SIGNING_KEY": JWT_SIGNING_KEY} if JWT_SIGNING_KEY != SECRET_KEY else {}),
            **{f"SECRET_KEY_FALLBACKS[{i}]": key for i, key in enumerate(SECRET_KEY_FALLBACKS)},
        }
    )
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, on a site whose login shares the API's throttle and failed-login guard (config.admin).
    "config.apps.FinanceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "finance.core",
    "finance.users",
    "finance.accounts",
    "finance.categories",
    "finance.transactions",
    "finance.transfers",
    "finance.reports",
    "finance.exports",
    "finance.imports",
    "finance.demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "finance.core.http.middleware.RequestIdMiddleware",
    "finance.core.http.middleware.MetricsEndpointMiddleware",
    "finance.core.http.middleware.AllowedHostsMiddleware",
    "finance.core.http.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "finance.core.http.middleware.SecurityHeadersMiddleware",
    "finance.core.http.middleware.ProblemNotFoundMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

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
            ]
        },
    }
]

# --- database -------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # django-prometheus metrics plus a health check without a round trip (finance.core.db.postgresql).
        _db["ENGINE"] = "finance.core.db.postgresql"
        _db.setdefault("OPTIONS", {})
        _db["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5, minimum=1))
        _db["OPTIONS"].setdefault("application_name", "finance-api")
    # Behind PgBouncer in transaction mode a cursor cannot outlive its transaction: set this to false there
    # (the exports then read their rows in one fetch instead of in chunks).
    _db["DISABLE_SERVER_SIDE_CURSORS"] = not env_bool("DB_SERVER_SIDE_CURSORS", True)
    _db.setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME") or None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {
        "ENGINE": "django_prometheus.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "db.sqlite3"),
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait instead of failing.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "finance"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # An outage turns reads into misses and writes into no-ops: reports are computed, throttles
                # fail open (docs/reliability.md, "Faults"). TTLs are the backstop for missed invalidations.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "finance.cache"
else:
    CACHES = {
        "default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache", "LOCATION": "finance"}
    }

REPORT_CACHE_TTL = env_int("REPORT_CACHE_TTL", 600, minimum=300, maximum=900)

# --- auth -----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
# Seconds a server process may serve a token's user from memory. Changes are heard from PostgreSQL at once
# (finance.users.user_cache); this bounds an entry's life if a notification were ever missed. 0: read the
# user from the database on every request.
USER_CACHE_TTL = env_int("USER_CACHE_TTL", 300, minimum=0, maximum=3600)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env_list("PASSWORD_HASHERS") or [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env_int("JWT_ACCESS_TTL", 300, minimum=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env_int("JWT_REFRESH_TTL", 86400, minimum=300)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["finance.users.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["finance.core.http.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "finance.core.http.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "finance.core.http.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("THROTTLE_LOGIN_RATE", "10/min"),
        "register": env_str("THROTTLE_REGISTER_RATE", "5/min"),
        "password": env_str("THROTTLE_PASSWORD_RATE", "5/min"),
    },
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The failed-login guard (finance.users.login_guard): failures per email and address, per address across
# emails, within the window. It never locks an email for everyone.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_ADDRESS_LIMIT = env_int("LOGIN_FAILURE_ADDRESS_LIMIT", 4 * LOGIN_FAILURE_LIMIT, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 900, minimum=60)

# The OpenAPI document served at /schema (and linted in CI: make openapi-lint). Tags, the top-level
# description (openapi.md beside this file) and contact are what a client developer reads first.
SPECTACULAR_SETTINGS = {
    "TITLE": "Finance API",
    "DESCRIPTION": Path(__file__).with_name("openapi.md").read_text(),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
    "CONTACT": {"name": "Finance API maintainers", "email": env_str("API_CONTACT_EMAIL", "api@example.com")},
    "TAGS": [
        {
            "name": "auth",
            "description": "Registration, tokens (log in, refresh, log out) and the current user.",
        },
        {"name": "users", "description": "User administration: listing, deactivating, roles. Admins only."},
        {
            "name": "accounts",
            "description": "Accounts in one currency each; only transactions move a balance.",
        },
        {
            "name": "categories",
            "description": "Income and expense categories that transactions are filed under.",
        },
        {
            "name": "transactions",
            "description": "Income, expenses and transfer legs; each moves its account's balance.",
        },
        {
            "name": "transfers",
            "description": "Money moved between two of your accounts: two legs and both balances in one step.",
        },
        {
            "name": "reports",
            "description": "Totals of a period, balances over time, net worth and trends, per currency; cached "
            "per user.",
        },
        {"name": "exports", "description": "Reports and transactions as CSV files, built in the background."},
        {
            "name": "imports",
            "description": "Bank statements (CSV with a column mapping, OFX/QFX) previewed, checked for "
            "duplicates, committed in the background and undone.",
        },
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per set of choices that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "EntryTypeEnum": "finance.categories.models.Category.Type",
        "TransactionTypeEnum": "finance.transactions.models.Transaction.Type",
        "IntervalEnum": ["day", "week", "month"],
        "TrendIntervalEnum": ["week", "month"],
        "StatusEnum": "finance.exports.models.Export.Status",
        "ImportStatusEnum": "finance.imports.models.Import.Status",
        "ImportFormatEnum": "finance.imports.models.Import.Format",
        "RowStatusEnum": "finance.imports.models.ImportRow.Status",
        "RowActionEnum": "finance.imports.models.ImportRow.Action",
    },
    # Path ids are what the `id` converter accepts (finance.core.http.converters): positive integers.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 999999999999999999}
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "finance.core.http.schema.complete_schema",
    ],
}

# --- limits and security --------------------------------------------------------------------------------
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 65536, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# Bank statements (POST /imports, finance.imports): the largest file and the most rows one may hold (413
# beyond either). The upload's body may be this much larger than the file: the multipart envelope and the
# other fields, which stay within MAX_REQUEST_BODY_BYTES.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 10_000, minimum=1)
# Paths whose bodies may exceed MAX_REQUEST_BODY_BYTES, with their own limit (RequestLimitsMiddleware).
# nginx has the same exception (NGINX_IMPORT_MAX_BODY_SIZE).
REQUEST_BODY_LIMITS = {"/imports": IMPORT_MAX_BYTES + MAX_REQUEST_BODY_BYTES}
MAX_PERIOD_DAYS = env_int("MAX_PERIOD_DAYS", 3660, minimum=31)
# Seconds an Idempotency-Key and its stored answer are kept (at least a day; expired rows are purged by
# `manage.py purge_idempotency_keys`).
IDEMPOTENCY_TTL = env_int("IDEMPOTENCY_TTL", 86400, minimum=86400)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Probes and the Prometheus scrape talk plain HTTP to the pod inside the network: never redirect them.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading binds the whole domain to HTTPS in browsers and is slow to undo: the domain's owner opts in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# security.W021 only asks for that opt-in; every other deployment check stays in force.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
# The proxies in front of the app, by address or network (CIDR): only they may name the client in
# X-Forwarded-For. Throttles, the failed-login guard, logs and metrics all take the client from this one rule
# (finance.core.http.client_ip). DRF's hop count (NUM_PROXIES) is not used: it trusted any sender.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
if env_str("NUM_PROXIES"):
    raise ImproperlyConfigured(
        "NUM_PROXIES is no longer read: the client address comes from X-Forwarded-For only as written by "
        "TRUSTED_PROXIES (addresses or networks). Remove NUM_PROXIES and list your proxies' networks there."
    )
try:
    for _proxy in TRUSTED_PROXIES:
        ipaddress.ip_network(_proxy, strict=False)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
# /metrics answers only requests from these networks that did not pass through the proxy.
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
)

# --- static files, i18n ---------------------------------------------------------------------------------
STATIC_URL = "static/"
# Only what `collectstatic` gathered is served under /static/ (WhiteNoise serves STATIC_ROOT as it is): a
# STATIC_ROOT holding the code would publish it, settings and secrets' names included.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
if BASE_DIR.resolve().is_relative_to(STATIC_ROOT.resolve()):
    raise ImproperlyConfigured(
        f"STATIC_ROOT ({STATIC_ROOT}) contains the application's code; point it at a directory of its own"
    )
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- logging, metrics, errors ---------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING_CONFIG = None
build_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)

PROMETHEUS_METRIC_NAMESPACE = ""
# Off: it queries the database at import (no boot while it is down) and goes stale;
# finance.core.observability.metrics exports finance_migrations_unapplied, checked at each scrape, instead.
PROMETHEUS_EXPORT_MIGRATIONS = False

SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", DJANGO_ENV),
        release=env_str("SENTRY_RELEASE"),
    )

# --- exports, background tasks, file storage, email -----------------------------------------------------
# Report exports are built by a Celery task, written to S3 (or local files) and handed out as expiring URLs.
EXPORT_URL_TTL = env_int("EXPORT_URL_TTL", 900, minimum=60, maximum=7 * 24 * 3600)
EXPORTS_MAX_IN_FLIGHT = env_int("EXPORTS_MAX_IN_FLIGHT", 3, minimum=1)
# Transient storage errors are retried this many times with exponential backoff (seconds, capped).
EXPORT_MAX_RETRIES = env_int("EXPORT_MAX_RETRIES", 5, minimum=0)
EXPORT_RETRY_BACKOFF = 2
EXPORT_RETRY_BACKOFF_MAX = 300
# Hard limit for one export task; the soft limit leaves time to record the failure.
EXPORT_TASK_TIME_LIMIT = env_int("EXPORT_TASK_TIME_LIMIT", 600, minimum=30)
# The CSV stays in memory up to this size, then spills to a temporary file.
EXPORT_SPOOL_MAX_BYTES = 1024 * 1024
EXPORT_CHUNK_SIZE = 2000
# Base of links in emails when files are served by the app itself (no S3): the address users reach.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SPECTACULAR_SETTINGS["SERVERS"] = [{"url": PUBLIC_BASE_URL, "description": "This deployment"}]

# Celery on Redis. Without a broker, tasks run inline in the calling process (embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "finance")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task ran, and requeue it when the worker process dies: at-least-once delivery
# (the tasks are idempotent). One message at a time per worker process, so a long export holds no others.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = EXPORT_TASK_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = EXPORT_TASK_TIME_LIMIT - 15
# Redis redelivers a message not acknowledged within the visibility timeout. It must exceed the longest
# task (EXPORT_TASK_TIME_LIMIT) and the longest retry countdown, or a slow task runs twice; a worker that
# vanished without requeueing has its messages redelivered after this long.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=EXPORT_TASK_TIME_LIMIT + 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep our logging setup (JSON lines with redaction) in the worker.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_REDIRECT_STDOUTS = False

# Export files: S3 (AWS or any S3-compatible store) when S3_BUCKET is set, else local disk under VAR_DIR
# served by the app through signed, expiring links.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    from finance.exports.s3 import s3_storages

    STORAGES.update(
        s3_storages(
            bucket=S3_BUCKET,
            endpoint_url=env_str("S3_ENDPOINT_URL"),
            public_endpoint_url=env_str("S3_PUBLIC_ENDPOINT_URL"),
            region=env_str("S3_REGION", "us-east-1"),
            access_key=env_str("S3_ACCESS_KEY_ID"),
            secret_key=env_str("S3_SECRET_ACCESS_KEY"),
            addressing_style=env_str("S3_ADDRESSING_STYLE"),
            max_attempts=env_int("S3_MAX_ATTEMPTS", 3, minimum=1),
        )
    )
else:
    STORAGES["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # The directory stands in for the bucket: keys (exports/<user>/<random>.csv) are paths under it.
        "OPTIONS": {"location": VAR_DIR / "storage", "allow_overwrite": True},
    }

# Email: SMTP when EMAIL_HOST is set. Otherwise messages are printed for local work (LOG_FORMAT=console)
# or reduced to a JSON log line, so stdout stays one JSON object per line (tests use an in-memory outbox).
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif LOG_FORMAT == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "finance.core.mail.LogEmailBackend"
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL are exclusive; set one")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Finance API <no-reply@localhost>")
