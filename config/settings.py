"""Settings for Backorder Desk, read from the environment once, with defaults that run locally.

With no environment at all the app runs on SQLite, runs Celery tasks eagerly and writes email to
the console. DATABASE_URL, REDIS_URL and EMAIL_URL switch to the real services.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105 - refused when DEBUG is off


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def site_address(name: str, default: str = "") -> str:
    """An address links start with, from the environment: http(s), a host, no query; blank if unset."""
    value = os.environ.get(name, "").strip() or default
    parsed = urlparse(value)
    if value and not (parsed.scheme in ("http", "https") and parsed.hostname and not parsed.query):
        raise ImproperlyConfigured(
            f"{name} must be the site's address with http:// or https://, such as https://desk.example.com; "
            f"{value!r} is not one."
        )
    return value


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
# Fernet keys for secrets kept in the database (suppliers' order status passwords): comma-separated, the
# first encrypts, any decrypts (rotation). Blank: one key derived from SECRET_KEY (HKDF-SHA256, see
# projects/encryption.py), so `make run` works; changing SECRET_KEY then leaves those passwords unreadable.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Index opclasses (the search's trigram indexes) on PostgreSQL; harmless on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # before accounts, whose admin replaces axes' own
    "accounts",
    "projects",
    "purchasing",
    "reports",
    "backorders",
    "invoicing",
    "imports",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.site.RequestBaseUrlMiddleware",  # after CommonMiddleware has checked the host
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's successful write sends their next reads to the primary.
    "core.db_router.StickyPrimaryMiddleware",
    # After authentication, so each log line of the request knows its user.
    "core.logging.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "projects.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# On PostgreSQL each process (a gunicorn worker, runserver with its thread per request, a Celery worker's
# child, beat) takes its connections from a pool of its own (psycopg_pool, Django's OPTIONS["pool"]): at
# most DATABASE_POOL_MAX_SIZE at once, so the site's total is bounded by the number of processes (see the
# README's deployment notes). A request finds a free connection within DATABASE_POOL_TIMEOUT seconds or
# fails. DATABASE_POOL=0 (behind PgBouncer, say) connects per request instead, kept DATABASE_CONN_MAX_AGE
# seconds; nothing then bounds the count.
DATABASE_POOL = env_bool("DATABASE_POOL", True)
DATABASE_POOL_MIN_SIZE = int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1"))
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4"))
DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
if not 0 <= DATABASE_POOL_MIN_SIZE <= DATABASE_POOL_MAX_SIZE or DATABASE_POOL_MAX_SIZE < 1:
    raise ImproperlyConfigured(
        f"DATABASE_POOL_MAX_SIZE ({DATABASE_POOL_MAX_SIZE}) must be at least 1 and at least "
        f"DATABASE_POOL_MIN_SIZE ({DATABASE_POOL_MIN_SIZE}), which must not be negative."
    )


def database_from_url(url: str, *, pool_min_size: int, pool_max_size: int, pool_timeout: float) -> dict:
    """One entry of DATABASES from its URL, with its own pool on PostgreSQL."""
    # A pool keeps its connections itself: Django must close (return) each one after its request or task.
    database = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL compiles a statement to machine code (JIT) once its estimated cost passes
        # jit_above_cost, which a report's aggregate does at a few hundred thousand invoices; the compile
        # takes about 90 ms here, more than the statements it speeds up take. The desk's statements are
        # short by design (kept totals, partial indexes), so its connections run without it.
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    if DATABASE_POOL and database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": pool_min_size,
            "max_size": pool_max_size,
            "timeout": pool_timeout,
        }
    else:
        database["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
    return database


if DATABASE_URL:
    DATABASES = {
        "default": database_from_url(
            DATABASE_URL,
            pool_min_size=DATABASE_POOL_MIN_SIZE,
            pool_max_size=DATABASE_POOL_MAX_SIZE,
            pool_timeout=DATABASE_POOL_TIMEOUT,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }

# A PostgreSQL streaming replica the reports, exports and dashboards may read from (core/db_router.py):
# parsed like DATABASE_URL, with a pool of its own in each process (DATABASE_REPLICA_POOL_*, the primary's
# sizes unless set; a short wait, so a replica that stopped answering costs a page little before the
# primary serves it). Unset: no replica, every read from the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_POOL_MIN_SIZE = int(os.environ.get("DATABASE_REPLICA_POOL_MIN_SIZE", str(DATABASE_POOL_MIN_SIZE)))
DATABASE_REPLICA_POOL_MAX_SIZE = int(os.environ.get("DATABASE_REPLICA_POOL_MAX_SIZE", str(DATABASE_POOL_MAX_SIZE)))
DATABASE_REPLICA_POOL_TIMEOUT = float(os.environ.get("DATABASE_REPLICA_POOL_TIMEOUT", "2"))
if not 0 <= DATABASE_REPLICA_POOL_MIN_SIZE <= DATABASE_REPLICA_POOL_MAX_SIZE or DATABASE_REPLICA_POOL_MAX_SIZE < 1:
    raise ImproperlyConfigured(
        f"DATABASE_REPLICA_POOL_MAX_SIZE ({DATABASE_REPLICA_POOL_MAX_SIZE}) must be at least 1 and at least "
        f"DATABASE_REPLICA_POOL_MIN_SIZE ({DATABASE_REPLICA_POOL_MIN_SIZE}), which must not be negative."
    )
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL, the primary it replicates.")
    replica = database_from_url(
        DATABASE_REPLICA_URL,
        pool_min_size=DATABASE_REPLICA_POOL_MIN_SIZE,
        pool_max_size=DATABASE_REPLICA_POOL_MAX_SIZE,
        pool_timeout=DATABASE_REPLICA_POOL_TIMEOUT,
    )
    # A replica that is down refuses within seconds rather than the system's minutes.
    replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", int(DATABASE_REPLICA_POOL_TIMEOUT) or 1)
    # The test suite reads "the replica" through the test database itself: nothing is replicated there.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = replica
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
# After a signed-in user's successful write request, their report pages read the primary this long, so
# they never see the page without what they just did (the replica may replay it a moment later).
REPLICA_STICKY_SECONDS = int(os.environ.get("REPLICA_STICKY_SECONDS", "10"))
# A replica further behind than this serves nothing: the primary does, until it catches up.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "30"))
# How long each process trusts its last look at the replica (reachable, lag) before asking again.
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "5"))

# The shared cache; with Redis every web process sees the same entries.
if REDIS_URL_FOR_CACHE := os.environ.get("REDIS_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL_FOR_CACHE}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in protection (django-axes): every sign-in path (the sign-in page, the admin's, the API's
# token endpoint) authenticates through the axes backend first, which refuses a locked pair.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# One user name from one address is locked, so a stranger cannot lock a colleague out everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.sign_in.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429


def client_ip_settings(trusted_proxies: int) -> dict:
    """Where axes reads the client's address: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies."""
    if trusted_proxies <= 0:
        # No proxy: a client could write any X-Forwarded-For it likes, so only the socket's address counts.
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",), "AXES_IPWARE_PROXY_COUNT": None}
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        # ipware counts the proxies listed in the header; the nearest one is REMOTE_ADDR, not listed.
        "AXES_IPWARE_PROXY_COUNT": trusted_proxies - 1,
        # Take the address the outermost trusted proxy saw, ignoring whatever the client prepended.
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        "IPWARE_STRICT": False,
    }


TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
globals().update(client_ip_settings(TRUSTED_PROXY_COUNT))

# The company's locale: LANGUAGE_CODE names its language (month names), DATE_FORMAT the one way every
# page, email and PDF writes a date, in Django's date format characters ("M j, Y": Dec 1, 2026); a time
# beside a date follows it. Forms, <input type=date>, CSV and the API keep ISO 8601.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-us")
DATE_FORMAT = os.environ.get("DATE_FORMAT", "M j, Y")
FORMAT_MODULE_PATH = ["config.formats"]
_language = LANGUAGE_CODE.lower().replace("_", "-").split("-")[0]
if not (BASE_DIR / "config" / "formats" / _language / "formats.py").exists():
    # Django's own formats for the language would win over DATE_FORMAT without a word.
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE {LANGUAGE_CODE!r} has no date formats in config/formats/: add "
        f"config/formats/{_language}/formats.py like config/formats/en/formats.py, so DATE_FORMAT applies to it too."
    )
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Celery: a real Redis broker when REDIS_URL is set, otherwise tasks run in the request.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# At-least-once delivery: a task is acknowledged only after it ran, and is given back to the
# queue when the worker running it dies; the tasks themselves are safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A notification email holds its claim this long; after it, the row counts as abandoned by a dead
# worker and is sent again. It outlives the email task's hard time limit, so a live send is never doubled.
NOTIFICATION_CLAIM_TTL_SECONDS = int(os.environ.get("NOTIFICATION_CLAIM_TTL_SECONDS", "120"))
NOTIFICATION_EMAIL_TIME_LIMIT_SECONDS = max(1, min(45, NOTIFICATION_CLAIM_TTL_SECONDS * 3 // 4))
# A row still pending this long after it was written was probably never queued (broker down).
NOTIFICATION_PENDING_GRACE_SECONDS = int(os.environ.get("NOTIFICATION_PENDING_GRACE_SECONDS", "30"))
# How often beat re-queues pending and abandoned notification emails.
NOTIFICATION_REQUEUE_INTERVAL_SECONDS = float(os.environ.get("NOTIFICATION_REQUEUE_INTERVAL_SECONDS", "30"))
# After a failed publish a process stops trying for this long, so a request that notifies ten
# people waits for the broker once, not ten times; the rows stay pending for beat.
NOTIFICATION_BROKER_BACKOFF_SECONDS = float(os.environ.get("NOTIFICATION_BROKER_BACKOFF_SECONDS", "5"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task goes back to the queue after this long. It must outlast the longest
    # retry countdown (300 s) plus a run, or Redis would hand a waiting retry to a second worker.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "900")),
    # Publishing must never hang a request when Redis is down: a refused connection fails at once,
    # a silent one after these timeouts (measured: about 1.5 s), and the row stays pending for beat.
    # socket_timeout stays above the worker's one-second BRPOP wait.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 1,
    "socket_timeout": 1.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers and beat wait out a Redis outage of any length instead of giving up after 100 tries.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when Redis drops finishes and records its email as sent; cancelling it mid-send
# could deliver an email whose row still says otherwise, and the redelivered task would send it again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_PUBLISH_RETRY = False
HEARTBEAT_INTERVAL_SECONDS = float(os.environ.get("HEARTBEAT_INTERVAL_SECONDS", "30"))
# /healthz fails when the worker's heartbeat or beat's tick is older than this.
HEALTHZ_MAX_HEARTBEAT_AGE_SECONDS = float(os.environ.get("HEALTHZ_MAX_HEARTBEAT_AGE_SECONDS", "120"))
# PromoStandards Order Status Service: how often beat asks the suppliers, and how long one call may take
# (to connect, and for each read) before the supplier counts as down for this round.
SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS = float(os.environ.get("SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS", "3600"))
# How often beat asks each supplier's shipment notification service (the same timeout holds).
SUPPLIER_SHIPMENT_INTERVAL_SECONDS = float(os.environ.get("SUPPLIER_SHIPMENT_INTERVAL_SECONDS", "3600"))
# How often beat re-checks each supplier's stock of open POs not yet shipped (daily by default).
SUPPLIER_INVENTORY_INTERVAL_SECONDS = float(os.environ.get("SUPPLIER_INVENTORY_INTERVAL_SECONDS", "86400"))
SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS = float(os.environ.get("SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS", "10"))
# Suppliers' services are called over https at public addresses only, except these hosts (names, or
# name:port): plain http and local or private addresses are allowed for them. With DEBUG, the address
# `manage.py run_supplier_simulator` serves on by default (projects/promostandards/addresses.py).
SUPPLIER_SERVICE_ALLOWED_HOSTS = env_list(
    "SUPPLIER_SERVICE_ALLOWED_HOSTS", ["127.0.0.1:8765", "localhost:8765"] if DEBUG else []
)
CELERY_BEAT_SCHEDULE = {
    "requeue-pending-notification-emails": {
        "task": "notifications.tasks.notification_requeue_pending_task",
        "schedule": NOTIFICATION_REQUEUE_INTERVAL_SECONDS,
        # Sweeps queued while no worker ran are worthless once the next one is due.
        "options": {"expires": NOTIFICATION_REQUEUE_INTERVAL_SECONDS},
    },
    "requeue-pending-invoice-emails": {
        "task": "invoicing.tasks.invoice_email_requeue_task",
        "schedule": NOTIFICATION_REQUEUE_INTERVAL_SECONDS,
        "options": {"expires": NOTIFICATION_REQUEUE_INTERVAL_SECONDS},
    },
    # /healthz reads when beat last sent this and when a worker last ran it.
    "heartbeat": {
        "task": "config.heartbeat",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
        "options": {"expires": HEARTBEAT_INTERVAL_SECONDS},
    },
    "requeue-pending-purchase-order-emails": {
        "task": "purchasing.tasks.purchase_order_email_requeue_task",
        "schedule": NOTIFICATION_REQUEUE_INTERVAL_SECONDS,
        "options": {"expires": NOTIFICATION_REQUEUE_INTERVAL_SECONDS},
    },
    "requeue-pending-client-update-emails": {
        "task": "backorders.tasks.client_update_email_requeue_task",
        "schedule": NOTIFICATION_REQUEUE_INTERVAL_SECONDS,
        "options": {"expires": NOTIFICATION_REQUEUE_INTERVAL_SECONDS},
    },
    # Asks every supplier with an order status service about its open POs (backorders/order_status_sync.py).
    "sync-supplier-order-statuses": {
        "task": "backorders.tasks.supplier_order_status_sync_due_task",
        "schedule": SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS,
        "options": {"expires": SUPPLIER_ORDER_STATUS_INTERVAL_SECONDS},
    },
    # Reads what suppliers with a shipment service shipped on open POs (backorders/shipment_sync.py).
    "sync-supplier-shipments": {
        "task": "backorders.tasks.supplier_shipment_sync_due_task",
        "schedule": SUPPLIER_SHIPMENT_INTERVAL_SECONDS,
        "options": {"expires": SUPPLIER_SHIPMENT_INTERVAL_SECONDS},
    },
    # Re-checks the suppliers' stock of open POs not yet shipped (backorders/inventory_sync.py).
    "sync-supplier-inventory": {
        "task": "backorders.tasks.supplier_inventory_sync_due_task",
        "schedule": SUPPLIER_INVENTORY_INTERVAL_SECONDS,
        "options": {"expires": SUPPLIER_INVENTORY_INTERVAL_SECONDS},
    },
}

# Large downloads (reports/exports.py): an Invoices Report CSV or XLSX of more rows than this is written by
# the worker into EXPORTS_ROOT (a directory every web and worker process shares) and kept EXPORT_TTL_HOURS;
# beat deletes expired files and re-queues jobs left queued every EXPORT_SWEEP_INTERVAL_SECONDS.
EXPORT_IN_WORKER_ROWS = int(os.environ.get("EXPORT_IN_WORKER_ROWS", "20000"))
EXPORTS_ROOT = Path(os.environ.get("EXPORTS_ROOT") or BASE_DIR / "exports")
EXPORT_TTL_HOURS = float(os.environ.get("EXPORT_TTL_HOURS", "24"))
# The worker records the rows written this often, for the progress bar.
EXPORT_PROGRESS_EVERY_ROWS = int(os.environ.get("EXPORT_PROGRESS_EVERY_ROWS", "5000"))
EXPORT_SWEEP_INTERVAL_SECONDS = float(os.environ.get("EXPORT_SWEEP_INTERVAL_SECONDS", "300"))
CELERY_BEAT_SCHEDULE["sweep-export-jobs"] = {
    "task": "reports.tasks.export_jobs_sweep_task",
    "schedule": EXPORT_SWEEP_INTERVAL_SECONDS,
    "options": {"expires": EXPORT_SWEEP_INTERVAL_SECONDS},
}

# Overdue backorder reminders (backorders/reminders.py): beat sends them daily at this hour of the company's
# TIME_ZONE (beat's crontabs read that zone); a run is safe to repeat, the same day sends nothing twice.
# A backorder more than OVERDUE_ESCALATE_AFTER_DAYS days overdue is sent to the managers too.
OVERDUE_REMINDER_HOUR = int(os.environ.get("OVERDUE_REMINDER_HOUR", "7"))
if not 0 <= OVERDUE_REMINDER_HOUR <= 23:
    raise ImproperlyConfigured(f"OVERDUE_REMINDER_HOUR must be an hour from 0 to 23, not {OVERDUE_REMINDER_HOUR}.")
OVERDUE_ESCALATE_AFTER_DAYS = int(os.environ.get("OVERDUE_ESCALATE_AFTER_DAYS", "3"))
# Seconds between runs instead of the daily hour, for tests and demos; unset for the daily run.
OVERDUE_REMINDER_EVERY_SECONDS = float(os.environ.get("OVERDUE_REMINDER_EVERY_SECONDS") or 0)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE["remind-overdue-backorders"] = {
    "task": "backorders.tasks.backorder_overdue_reminders_task",
    "schedule": OVERDUE_REMINDER_EVERY_SECONDS or crontab(minute=0, hour=OVERDUE_REMINDER_HOUR),
}

# Email: EMAIL_URL such as smtp://user:password@host:587?tls=1, console:// or locmem://.
EMAIL_URL = os.environ.get("EMAIL_URL", "")


def email_settings(url: str) -> dict:
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {parsed.scheme!r} is not one of {sorted(backends)}.")
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    result = {"EMAIL_BACKEND": backends[parsed.scheme]}
    if parsed.scheme.startswith("smtp"):
        result.update(
            EMAIL_HOST=parsed.hostname or "localhost",
            EMAIL_PORT=parsed.port or (465 if parsed.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_TLS=options.get("tls", "0") in {"1", "true"},
            EMAIL_USE_SSL=parsed.scheme == "smtps",
            EMAIL_TIMEOUT=10,
        )
    return result


globals().update(email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Backorder Desk <desk@example.com>")

# The distributor's name and address as the company settings (admin) start out; the admin's values rule after.
DISTRIBUTOR_NAME = os.environ.get("DISTRIBUTOR_NAME", "Northwind Promotional Products")
DISTRIBUTOR_ADDRESS = os.environ.get("DISTRIBUTOR_ADDRESS", "120 Harbor Street\nPortland, OR 97201\nUnited States")
# The address emails link to (client links, notifications). The worker sends mail no request asked for
# (overdue digests, re-queued notifications), so with DEBUG off the app refuses to start without it.
# With DEBUG on and SITE_URL unset, an email links to the address its request came in on, else to
# DEVELOPMENT_SITE_URL: where `make run` serves (the Makefile passes its HOST and PORT down).
SITE_URL = site_address("SITE_URL")
if not DEBUG and not SITE_URL:
    raise ImproperlyConfigured(
        "SITE_URL must be set in the environment when DEBUG is off: the address emails link to, "
        "such as https://desk.example.com."
    )
DEVELOPMENT_SITE_URL = site_address("DEVELOPMENT_SITE_URL", "http://127.0.0.1:8000")
CLIENT_LINK_MAX_AGE_DAYS = int(os.environ.get("CLIENT_LINK_MAX_AGE_DAYS", "30"))
CURRENCY = os.environ.get("CURRENCY", "USD")  # the company's one currency, named beside payment terms
# Importing clients and suppliers (imports/): the largest file one import reads, and its most rows.
IMPORT_MAX_FILE_BYTES = int(os.environ.get("IMPORT_MAX_FILE_BYTES", str(10 * 1000 * 1000)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "10000"))

# Export to accounting (invoicing/accounting_export.py): what the import files need and the desk has no field for.
# Xero: the sales (revenue) account every line is coded to, the tax rate names of a taxed and an untaxed line
# as they appear in Xero, the branding theme (blank: Xero's default) and the organisation's date format.
ACCOUNTING_SALES_ACCOUNT = os.environ.get("ACCOUNTING_SALES_ACCOUNT", "200")
ACCOUNTING_XERO_TAX_TYPE = os.environ.get("ACCOUNTING_XERO_TAX_TYPE", "Tax on Sales")
ACCOUNTING_XERO_TAX_EXEMPT_TYPE = os.environ.get("ACCOUNTING_XERO_TAX_EXEMPT_TYPE", "Tax Exempt")
ACCOUNTING_XERO_BRANDING_THEME = os.environ.get("ACCOUNTING_XERO_BRANDING_THEME", "")
ACCOUNTING_XERO_DATE_FORMAT = os.environ.get("ACCOUNTING_XERO_DATE_FORMAT", "%m/%d/%Y")  # %d/%m/%Y outside the US
# QuickBooks Online: the product/service every line is booked to, and the date format of its sample file.
ACCOUNTING_QBO_ITEM = os.environ.get("ACCOUNTING_QBO_ITEM", "Sales")
ACCOUNTING_QBO_DATE_FORMAT = os.environ.get("ACCOUNTING_QBO_DATE_FORMAT", "%m/%d/%Y")

# An API token signs in for this many days after it was issued; POST /api/auth/token/ then issues a new one.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's token authentication, refusing tokens older than API_TOKEN_DAYS.
        "core.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Backorder Desk API",
    "DESCRIPTION": "Sales orders, purchase orders, backorders, invoices and notifications.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"

# LOG_FORMAT=json: one JSON object a line with the request id, the user id and the P-/SO-/PO-/INV- numbers
# the request or task touched; otherwise plain text for a person at a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The request line duplicates runserver's and gunicorn's own access logs unless structured.
    "loggers": {
        "backorder_desk.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        # fontTools narrates every font subset of every PDF at INFO; its warnings still come through.
        "fontTools": {"level": "WARNING"},
    },
}

# Error tracking: with SENTRY_DSN set, unhandled errors of the web and the worker are reported.
if SENTRY_DSN := os.environ.get("SENTRY_DSN", ""):
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production" if not DEBUG else "development"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
