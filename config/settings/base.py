"""
Settings shared by every environment.

Everything that differs between machines comes from an environment variable
with a default that is safe on a developer's laptop. The environment modules
(local, test, production) only change what must differ.
"""
import warnings
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
import django
from celery.schedules import crontab  # noqa: F401  (used by CELERY_BEAT_SCHEDULE)
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

WSGI_APPLICATION = "config.wsgi.application"
ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fa", "فارسی")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------
# Applications and tenancy
# --------------------------------------------------------------------------
# Public schema: the platform (shops, their domains, platform operators).
SHARED_APPS = [
    "django_tenants",
    "apps.tenancy",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "apps.core",
    "apps.accounts",
]
# Each shop's schema: everything a shop owns, its users included.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "apps.core",
    "apps.accounts",
    "rest_framework_simplejwt.token_blacklist",
    "apps.branches",
    "apps.review",
    "apps.inventory",
    "apps.customers",
    "apps.sales",
    "apps.pos_sync",
    "apps.workshop",
    "apps.reports",
    "axes",  # login lockout, counted per shop
    "apps.ui",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenancy.Tenant"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
# The shops that take background work: periodic jobs fan out to them and the
# operators' status lists them. apps.core calls it by this name (core imports
# no domain app).
SHOP_LIST_ACTIVE = "apps.tenancy.selectors.shop_list_active"
# New shops are made from this schema's DDL (apps.tenancy.blueprint), taken
# with pg_dump once per migration state, instead of replaying every migration
# (or django-tenants' clone_schema, which slows with every shop).
TENANT_BASE_SCHEMA = "zargar_template"
PG_DUMP = env("PG_DUMP", "pg_dump")  # a client at least as new as the server
TENANT_LIMIT_SET_CALLS = True
# Host names that reach the platform site (landing, operators' admin).
PUBLIC_DOMAINS = env_list("PUBLIC_DOMAINS", "localhost,127.0.0.1")

MIDDLEWARE = [
    "apps.core.observability.ObservabilityMiddleware",  # first: /metrics, request id, latency of everything below
    "apps.core.input_guard.InputGuardMiddleware",  # refuses bodies too large, NUL in path, query, headers, forms
    "whitenoise.middleware.WhiteNoiseMiddleware",  # /static/ from gunicorn itself, before any shop lookup or database access
    "apps.tenancy.middleware.ShopMiddleware",  # picks the schema from the host
    "django.middleware.security.SecurityMiddleware",
    "apps.core.csp.ContentSecurityPolicyMiddleware",  # CONTENT_SECURITY_POLICY on every HTML page
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.ui.middleware.ShopLocaleMiddleware",  # the shop's (or user's) language and time zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.middleware.MfaEnrolmentMiddleware",  # a shop requiring MFA: owners and managers enrol first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its response
]
# Django's form renderer, its widget and label templates written in Python (apps/ui/form_renderer.py).
FORM_RENDERER = "apps.ui.form_renderer.FormRenderer"
# Every HTML page's Content-Security-Policy (apps.core.csp): no inline script
# or style anywhere, so nothing but our own static files runs.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Then Django's own admin templates, ahead of django_tenants' copies of the
        # admin index and app list, which style inline (the CSP refuses that:
        # apps.core.csp). An override of an admin template goes in templates/admin/.
        "DIRS": [BASE_DIR / "templates", Path(django.__file__).parent / "contrib/admin/templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

STATIC_URL = "/static/"
# static/vendor/ is filled from npm by scripts/frontend.sh (git-ignored).
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# gunicorn serves /static/ itself (WhiteNoise): from STATIC_ROOT, collected in
# the image; or straight from STATICFILES_DIRS and the apps (no collectstatic)
# with STATIC_FROM_FINDERS, as the test suite's servers do.
WHITENOISE_USE_FINDERS = env_bool("STATIC_FROM_FINDERS", DEBUG)
if WHITENOISE_USE_FINDERS:  # no collected STATIC_ROOT is needed then: not worth a warning at every start
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# --------------------------------------------------------------------------
# Database and cache
# --------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zargar")
# The PostgreSQL server itself, past any connection pooler: pg_dump,
# migrations and backups talk to it directly.
DIRECT_DATABASE_URL = env("DIRECT_DATABASE_URL", DATABASE_URL)
# Health checks: a kept connection that broke (PostgreSQL restarted) is
# replaced at its first use in a request, instead of failing that request.
# Kept 600 s: a backend caches each shop schema it touches and a fresh one
# pays that again for every shop (docs/operations.md, "Connections and many shops").
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env("DB_CONN_MAX_AGE", 600, int), conn_health_checks=True)}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
# django-tenants' backend, which can also sit behind PgBouncer in transaction
# mode: DATABASE_POOL_MODE=transaction sets each shop's search_path per
# transaction instead of per connection (apps/core/db/base.py, docs/pooling.md).
DATABASES["default"]["ENGINE"] = "apps.core.db"
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", "session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be session or transaction.")
DATABASES["default"]["POOL_MODE"] = DATABASE_POOL_MODE
# A holdable server-side cursor (QuerySet.iterator) outlives its transaction.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOL_MODE == "transaction"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# PostgreSQL unreachable: every endpoint answers 503 temporarily_unavailable
# with this Retry-After (apps/core/unavailable.py).
DATABASE_RETRY_AFTER_SECONDS = env("DATABASE_RETRY_AFTER_SECONDS", 5, int)

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Every key starts with the schema of the shop that wrote it.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "zargar"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
            # Redis down must not fail a request: throttles and caches then
            # just miss (POS pushes keep working; the outbox keeps events).
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
# The reports keep their sums over whole past days in the cache this long,
# under a version of those days (apps/reports/selectors/daily.py); 0: never.
REPORTS_CACHE_SECONDS = env("REPORTS_CACHE_SECONDS", 3600, int)

# --------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "apps.accounts.backends.RoleBackend",  # ModelBackend with the role's permissions from code
]
# Lockout after repeated failures; attempts live in each shop's schema.
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT", 5, int)
AXES_COOLOFF_TIME = timedelta(minutes=env("AXES_COOLOFF_MINUTES", 15, int))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lockout are not counted: a locked-out client
# hammering on must not add to the user's failures across clients (below).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.attempt_username"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_HANDLER = "apps.accounts.lockout.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "apps.core.clientip.client_ip"
# Lockout is per user *and* client (above). Across all clients a user's
# failures earn only a short delay, never a lockout: after this many (twice
# what one client may have), each attempt waits the delay after the last
# failure, doubled per further failure, capped.
LOGIN_DELAY_AFTER_FAILURES = env("LOGIN_DELAY_AFTER_FAILURES", 10, int)
LOGIN_DELAY_SECONDS = env("LOGIN_DELAY_SECONDS", 2, int)
LOGIN_DELAY_MAX_SECONDS = env("LOGIN_DELAY_MAX_SECONDS", 30, int)
# The client's address (apps.core.clientip), which throttles and the lockout
# key on: REMOTE_ADDR, unless this many proxies that append to
# X-Forwarded-For stand in front (the ingress: 1). With networks set, only
# peers in them may forward for others.
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT", 0, int)
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS", "")
try:
    [ip_network(cidr, strict=False) for cidr in TRUSTED_PROXY_NETWORKS]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS: {exc}") from exc

# --------------------------------------------------------------------------
# REST framework
# --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "apps.core.exception_handler.api_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],  # refuses NUL, numbers out of range
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.AutoSchema",
    # Throttle counters live in Redis through the cache, tenant-prefixed,
    # keyed on the client address of apps.core.clientip.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonRateThrottle",
        "apps.core.throttling.UserRateThrottle",
        "apps.core.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", "120/min"),
        "user": env("THROTTLE_USER", "3000/min"),
        "auth": env("THROTTLE_AUTH", "20/min"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env("JWT_ACCESS_MINUTES", 15, int)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env("JWT_REFRESH_DAYS", 7, int)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Access tokens carry a hash of the password they were issued under: a
    # password reset ends them at once (apps.accounts.services.staff_password_reset).
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("apps.accounts.tokens.ShopAccessToken",),
    "TOKEN_OBTAIN_SERIALIZER": "apps.accounts.tokens.ShopTokenObtainSerializer",
    "TOKEN_REFRESH_SERIALIZER": "apps.accounts.tokens.ShopTokenRefreshSerializer",
    "TOKEN_BLACKLIST_SERIALIZER": "apps.accounts.tokens.ShopTokenBlacklistSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Zargar staff API",
    "DESCRIPTION": "Staff REST API of a Zargar shop. Errors: {\"error\": {\"code\", \"message\", \"details\"}}. "
                   "No string (in a body, a parameter or a header) may contain NUL: 400 invalid_characters.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields named alike with different choices get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "apps.inventory.models.ItemStatus",
        "ItemSettableStatusEnum": "apps.inventory.validation.HAND_SET_STATUSES",
        "SaleStatusEnum": "apps.sales.models.SaleStatus",
        "PaymentMethodEnum": "apps.sales.models.PaymentMethod",
        "EnteredPaymentMethodEnum": "apps.sales.apis.ENTERED_METHOD_CHOICES",
        "RepairStatusEnum": "apps.workshop.models.RepairStatus",
        "RepairBoardStatusEnum": "apps.workshop.apis.BOARD_STATUSES",
        "RepairMoveEnum": "apps.workshop.apis.MOVE_TARGETS",
        "RepairCloseEnum": "apps.workshop.apis.CLOSE_TARGETS",
    },
}

# --------------------------------------------------------------------------
# POS sync (docs/sync-protocol.md)
# --------------------------------------------------------------------------
POS_MAX_OPERATIONS_PER_PUSH = env("POS_MAX_OPERATIONS_PER_PUSH", 200, int)
POS_MAX_BODY_BYTES = env("POS_MAX_BODY_BYTES", 1048576, int)
POS_MAX_OFFLINE_HOURS = env("POS_MAX_OFFLINE_HOURS", 72, int)
# How long a push waits for a row lock before answering `retry`.
POS_LOCK_TIMEOUT = env("POS_LOCK_TIMEOUT", "5s")
# Failed enrolments (unknown, used or expired codes) allowed per client
# address and per code tried, within the window; successful ones are free.
POS_ENROLL_FAILURES_PER_CLIENT = env("POS_ENROLL_FAILURES_PER_CLIENT", 20, int)
POS_ENROLL_FAILURES_PER_CODE = env("POS_ENROLL_FAILURES_PER_CODE", 5, int)
POS_ENROLL_FAILURE_WINDOW_SECONDS = env("POS_ENROLL_FAILURE_WINDOW_SECONDS", 900, int)
# Any request body over this is refused 413 `payload_too_large` before it is read (apps.core.input_guard).
DATA_UPLOAD_MAX_MEMORY_SIZE = POS_MAX_BODY_BYTES + 65536

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"

# --------------------------------------------------------------------------
# Celery
# --------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")

# Reliability: a task is acknowledged only once it has finished, and given
# back to the queue if the process running it dies, so a crash reruns it
# (consumers are idempotent: apps.core.consumers). One task reserved at a
# time per process, so a dying worker strands at most that one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Keeps what a worker held when its broker connection dropped and gives it
# back once connected again (with apps.core.broker.BrokerRecovery).
CELERY_WORKER_CONSUMER = "apps.core.broker:Consumer"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SOFT_TIME_LIMIT = env("CELERY_TASK_SOFT_TIME_LIMIT", 240, int)
CELERY_TASK_TIME_LIMIT = env("CELERY_TASK_TIME_LIMIT", 300, int)
# Retries (apps.core.tasks.BackgroundTask): exponential backoff with full
# jitter, then a dead letter (apps.core.models.DeadLetter) operators can re-run.
CELERY_TASK_MAX_RETRIES = env("CELERY_TASK_MAX_RETRIES", 6, int)
CELERY_TASK_RETRY_BACKOFF = env("CELERY_TASK_RETRY_BACKOFF", 2, int)  # seconds, doubled per retry
CELERY_TASK_RETRY_BACKOFF_MAX = env("CELERY_TASK_RETRY_BACKOFF_MAX", 600, int)
# Redis hands an unacknowledged task to another worker after this long. A
# worker that lost its connection gives back what it held as soon as it is
# connected again (apps.core.broker), so this only matters for a worker that
# died. It must outlast the longest a live worker holds a message: its retry
# countdown, a wait for a free process (a time limit), its own run (another
# one); settings refuse to load otherwise. docs/background-work.md has the figures.
_RETRY_COUNTDOWN_MAX = min(CELERY_TASK_RETRY_BACKOFF_MAX, CELERY_TASK_RETRY_BACKOFF * 2 ** max(CELERY_TASK_MAX_RETRIES - 1, 0))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env("CELERY_VISIBILITY_TIMEOUT", 900, int),
    # How often a worker looks for tasks whose worker died (about interval x throttle seconds).
    "unacked_restore_interval": env("CELERY_UNACKED_RESTORE_INTERVAL", 10, int),
    "unacked_restore_throttle": env("CELERY_UNACKED_RESTORE_THROTTLE", 10, int),
    "socket_connect_timeout": 2,
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 2 * CELERY_TASK_TIME_LIMIT + _RETRY_COUNTDOWN_MAX and not env_bool(
    "CELERY_ALLOW_SHORT_VISIBILITY", False
):
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than twice CELERY_TASK_TIME_LIMIT plus the longest "
                               f"retry countdown ({2 * CELERY_TASK_TIME_LIMIT + _RETRY_COUNTDOWN_MAX} s).")

# The outbox relay (apps.core.outbox): after a commit the request hands the
# new events' ids to the broker in one message; the sweep picks up whatever
# that missed (broker down, process killed) in batches.
OUTBOX_SWEEP_SECONDS = env("OUTBOX_SWEEP_SECONDS", 30, int)
OUTBOX_SWEEP_GRACE_SECONDS = env("OUTBOX_SWEEP_GRACE_SECONDS", 10, int)
OUTBOX_BATCH_SIZE = env("OUTBOX_BATCH_SIZE", 500, int)
# A sweep still queued this long after it was sent is dropped (the next one
# comes); longer than a sweep waits behind a post-outage backlog.
OUTBOX_SWEEP_EXPIRES = env("OUTBOX_SWEEP_EXPIRES", 120, int)
# After the broker refused an on-commit hand-off, requests skip it for this
# long (the sweep delivers), so an outage costs no request any time.
OUTBOX_BROKER_BACKOFF_SECONDS = env("OUTBOX_BROKER_BACKOFF_SECONDS", 10, int)

# Retention (apps.core.retention), then each app's own step, in this order:
# a callable taking now= and returning its counts by name.
IDEMPOTENCY_KEY_RETENTION_DAYS = env("IDEMPOTENCY_KEY_RETENTION_DAYS", 7, int)
OUTBOX_RETENTION_DAYS = env("OUTBOX_RETENTION_DAYS", 14, int)
JOB_RUN_RETENTION_DAYS = env("JOB_RUN_RETENTION_DAYS", 90, int)
DEAD_LETTER_RETENTION_DAYS = env("DEAD_LETTER_RETENTION_DAYS", 30, int)  # after it was resolved
POS_OPERATION_RETENTION_DAYS = env("POS_OPERATION_RETENTION_DAYS", 30, int)  # apps.pos_sync.retention
RETENTION_STEPS = ["apps.pos_sync.retention.operations_retention"]

# Managers hear about new review items at most this often; items younger
# than the settle time wait for the next round (their push may still commit).
REVIEW_NOTIFY_MINUTES = env("REVIEW_NOTIFY_MINUTES", 15, int)
REVIEW_NOTIFY_SETTLE_SECONDS = env("REVIEW_NOTIFY_SETTLE_SECONDS", 120, int)
# The fixes the review page offers come from above review (it imports no
# sales or inventory code): a callable (entry, user) -> the fixes that apply.
REVIEW_FIXES = "apps.sales.review_fixes.review_fixes"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Zargar <no-reply@zargar.local>")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env("EMAIL_PORT", 25, int)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT", 10, int)

# Gold-rate import (apps.inventory.rate_sources): a dotted class path and its
# options; no class, no import.
GOLD_RATE_IMPORT_SOURCE = env("GOLD_RATE_IMPORT_SOURCE", "")
GOLD_RATE_IMPORT_OPTIONS = {
    "url": env("GOLD_RATE_IMPORT_URL", ""),
    "path": env("GOLD_RATE_IMPORT_PATH", ""),
    "timeout": env("GOLD_RATE_IMPORT_TIMEOUT", 10, float),
    "token": env("GOLD_RATE_IMPORT_TOKEN", ""),
}
GOLD_RATE_IMPORT_MINUTES = env("GOLD_RATE_IMPORT_MINUTES", 10, int)

# --- Background work proportional to activity (apps.core.shopwork, docs/background-work.md) ---
# The outbox tick sweeps the shops marked dirty; the full check (beat, and a
# worker whose broker connection came back) the shops the database shows with
# unpublished events. Periodic jobs go to the shops a work filter finds work in
# ("only": a name below), one query per SHOP_WORK_CHUNK schemas (each takes
# about 3 locks per schema: keep it far below max_locks_per_transaction x max_connections).
OUTBOX_FULL_CHECK_SECONDS = env("OUTBOX_FULL_CHECK_SECONDS", 300, int)
SHOP_WORK_CHUNK = env("SHOP_WORK_CHUNK", 200, int)
STOCK_RECONCILE_ACTIVE_MINUTES = env("STOCK_RECONCILE_ACTIVE_MINUTES", 120, int)
REVIEW_NOTIFY_LOOKBACK_HOURS = env("REVIEW_NOTIFY_LOOKBACK_HOURS", 24, int)
SHOP_WORK_FILTERS = {
    "outbox_backlog": "apps.core.outbox.backlog_filter",
    "stock_moved": "apps.inventory.reconciliation.stock_moved_filter",
    "review_new": "apps.review.notifications.review_new_filter",
    "sales_changed": "apps.reports.services.sales_changed_filter",
}

# Periodic jobs: beat sends each fan-out task once; it sends one task per
# active shop (with "only": per active shop with work), in the shop's schema,
# expiring before the next round.
CELERY_BEAT_SCHEDULE: dict = {
    "outbox-sweep": {
        "task": "core.outbox_dirty_sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "kwargs": {"expires": OUTBOX_SWEEP_EXPIRES},
    },
    "outbox-full-check": {
        "task": "core.fan_out",
        "schedule": OUTBOX_FULL_CHECK_SECONDS,
        "kwargs": {"task_name": "core.outbox_sweep", "expires": OUTBOX_SWEEP_EXPIRES, "only": "outbox_backlog"},
    },
    "stock-reconciliation": {
        "task": "core.fan_out",
        "schedule": crontab(minute=17),
        "kwargs": {"task_name": "inventory.stock_reconcile", "expires": 3000, "only": "stock_moved"},
    },
    "stock-reconciliation-all": {
        "task": "core.fan_out",
        "schedule": crontab(hour=4, minute=47),
        "kwargs": {"task_name": "inventory.stock_reconcile", "expires": 6 * 3600},
    },
    "review-notification": {
        "task": "core.fan_out",
        "schedule": REVIEW_NOTIFY_MINUTES * 60,
        "kwargs": {"task_name": "review.notify", "expires": REVIEW_NOTIFY_MINUTES * 60, "only": "review_new"},
    },
    "retention": {
        "task": "core.fan_out",
        "schedule": crontab(hour=3, minute=41),
        "kwargs": {"task_name": "core.retention", "expires": 6 * 3600},
    },
    "daily-sales-rebuild": {
        "task": "core.fan_out",
        "schedule": crontab(hour=2, minute=11),
        "kwargs": {"task_name": "reports.daily_sales_rebuild", "expires": 6 * 3600, "only": "sales_changed"},
    },
}
if GOLD_RATE_IMPORT_SOURCE:
    CELERY_BEAT_SCHEDULE["gold-rate-import"] = {
        "task": "core.fan_out",
        "schedule": GOLD_RATE_IMPORT_MINUTES * 60,
        "kwargs": {"task_name": "inventory.gold_rate_import", "expires": GOLD_RATE_IMPORT_MINUTES * 60},
    }

# --------------------------------------------------------------------------
# Logging and metrics (docs/operations.md, "Metrics and logs")
# --------------------------------------------------------------------------
# Every line carries request_id, shop and task_id (apps.core.request_context).
# json: one object per line, for a log collector; plain reads better locally.
LOG_FORMAT = env("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "apps.core.request_context.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(shop)s %(request_id)s%(task_id)s] %(message)s"},
        "json": {"()": "apps.core.request_context.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
METRICS_TOKEN = env("METRICS_TOKEN", "")
# The Celery queues whose depth /metrics reports (Redis lists on the broker).
METRICS_CELERY_QUEUES = env_list("METRICS_CELERY_QUEUES", CELERY_TASK_DEFAULT_QUEUE)
