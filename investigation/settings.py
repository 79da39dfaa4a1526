"""Fieldbook settings: one file, every deployable value from the environment.

Defaults make a fresh clone run (SQLite under var/, tasks inline when no broker).
Production differences come from environment variables; see the README's table.
"""

import base64
import binascii
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default).strip()


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_encryption_key(text):
    """A key is 32 random bytes, written as urlsafe base64 (44 characters)."""
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not base64."
        ) from None
    if len(key) != 32:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS holds a {len(key)}-byte key; each key must be 32 bytes "
            "(make one with: python manage.py generate_encryption_key)."
        )
    return key


def env_encryption_keys(name, fallback_file):
    texts = env_list(name)
    if not texts and fallback_file.exists():
        texts = [line.strip() for line in fallback_file.read_text().splitlines() if line.strip()]
    return [parse_encryption_key(text) for text in texts]


def parse_email_url(url):
    """smtp://user:password@host:587?tls=true, smtps://..., console://, file:///path"""
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not supported: use smtp, smtps, console or file."
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": options.get("tls", "").lower() in TRUE_WORDS,
    }


# Core -----------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

# A placeholder keeps development working; the system check investigation.E001 refuses it
# whenever DEBUG is off, so it can never reach production.
DEV_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "investigation.apps.FieldbookAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "leaflet",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "investigation",
    "events",
    "sources",
    "stories",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "sources.middleware.IdentityKeyErrorMiddleware",
]

ROOT_URLCONF = "investigation.urls"
WSGI_APPLICATION = "investigation.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL in production (DATABASE_URL).
if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(mode=0o700, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fieldbook.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Dates shown "14 Jan 2019" and typed year first: never 01/02/2019 (investigation/formats).
FORMAT_MODULE_PATH = ["investigation.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files live outside any served directory; they are only ever served by a view that
# checks permissions (there is deliberately no MEDIA_URL route).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "private")
# Every private file (attachments, documents, import uploads, publication exports) goes through
# STORAGES["private"] (sources.storage), which encrypts it with FIELD_ENCRYPTION_KEYS before a
# byte is written: under MEDIA_ROOT, or, with STORAGE_BUCKET, in an S3-compatible bucket that
# every application server and worker shares. Credentials come from boto3's usual sources
# (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role).
STORAGE_BUCKET = env_str("STORAGE_BUCKET")
STORAGE_ENDPOINT_URL = env_str("STORAGE_ENDPOINT_URL")
if STORAGE_BUCKET:
    STORAGES["private"] = {
        "BACKEND": "sources.bucket.EncryptedS3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            "endpoint_url": STORAGE_ENDPOINT_URL or None,
            "region_name": env_str("STORAGE_REGION") or None,
            "location": env_str("STORAGE_PREFIX").strip("/"),
            # MinIO, Ceph and moto answer at one address for every bucket.
            "addressing_style": "path" if STORAGE_ENDPOINT_URL else None,
            "default_acl": None,
            "querystring_auth": False,
        },
    }
else:
    STORAGES["private"] = {"BACKEND": "sources.storage.EncryptedFileSystemStorage"}
# Attachments: the largest upload accepted (sources.attachments.attachment_sanitize). Uploads up
# to that size stay in memory, so an original with its GPS and serials is never spooled to disk.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_MB", 25) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
# Images of more pixels than this are refused from their header, before they are decoded (an
# 88-megapixel PNG of 86 kB would otherwise take a gigabyte of memory to clean).
ATTACHMENT_MAX_PIXELS = env_int("ATTACHMENT_MAX_MEGAPIXELS", 40) * 1_000_000

# Sessions and security headers -------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS")

# Accounts ------------------------------------------------------------------------------------

INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes"]
# Each reads what an earlier one set (the session, request.user, messages). Axes must stay
# last: it turns a login flagged as locked out anywhere in the request into the lockout page.
MIDDLEWARE += [
    "django_otp.middleware.OTPMiddleware",
    "investigation.middleware.SessionLimitMiddleware",
    "investigation.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]
# Axes first: it refuses a locked-out account before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "investigation.backends.MembershipRoleBackend",
]
LOGIN_URL = "admin:login"

# Every logged-in page needs a code from an authenticator app once per login
# (investigation.middleware.TwoFactorMiddleware).
REQUIRE_2FA = env_bool("REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Fieldbook"
# Superusers reset a lost phone by deleting the device; nobody reads a secret back.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Failed logins (investigation.logins). A username is locked after AXES_FAILURE_LIMIT (5)
# failures for LOGIN_LOCKOUT_MINUTES (15), counted across every address (rotating addresses
# gains an attacker nothing), and an unknown username exactly like a real one. But failures
# from an address where that username logged in successfully within the last
# LOGIN_KNOWN_ADDRESS_DAYS are counted for that username and address alone: someone
# elsewhere typing an editor's username five times cannot lock the editor out at their desk.
# An address is locked after LOGIN_ADDRESS_FAILURE_LIMIT (20) failures across usernames
# (password spraying). `manage.py axes_reset_username NAME` and `axes_reset_ip ADDRESS` unlock.
AXES_FAILURE_LIMIT = 5
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 30)
AXES_LOCKOUT_PARAMETERS = "investigation.logins.lockout_parameters"
AXES_HANDLER = "investigation.logins.LoginAttemptHandler"
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_RESET_ON_SUCCESS = False  # LoginAttemptHandler forgets the username's failures itself
AXES_LOCKOUT_CALLABLE = "investigation.views.locked_out"
AXES_VERBOSE = False  # no "AXES: BEGIN" banner at every start; lockouts are still logged
# Failed re-authentications on the reveal page carry a reason: keep it out of axes' records.
AXES_SENSITIVE_PARAMETERS = ["reason", "real_name", "contact", "identifying_notes"]
# Behind the TLS proxy every request comes from the proxy's address, and the client's is in
# the X-Forwarded-For header the proxy sets; without a proxy that header is whatever the client
# typed, so only the connection's address counts.
if env_bool("BEHIND_TLS_PROXY", False):
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Idle timeout: the session expires SESSION_IDLE_MINUTES after it was last saved, and
# investigation.middleware.SessionLimitMiddleware saves an active session once a minute (not on
# every page: that would be a write per request), so it ends 29 to 30 minutes after the last
# request. The absolute limit counts from the login, however active the session is.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_REFRESH_SECONDS = 60
SESSION_MAX_AGE = env_int("SESSION_MAX_HOURS", 12) * 60 * 60

# Source protection ---------------------------------------------------------------------------

# Keys for identity fields: newest first, all tried when reading. Never derived from
# SECRET_KEY and never stored in the database. `make run` writes a development key to
# var/ (mode 600) when none is configured; that file is only read when DEBUG is on.
DEV_ENCRYPTION_KEY_FILE = VAR_DIR / "field-encryption.key"
FIELD_ENCRYPTION_KEYS = env_encryption_keys(
    "FIELD_ENCRYPTION_KEYS", DEV_ENCRYPTION_KEY_FILE if DEBUG else Path("/nonexistent")
)

# Celery --------------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Without a broker (development), tasks run inline so that a fresh clone works.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any task (time limit above), so a late-acknowledged task is not redelivered
# while it is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Email ---------------------------------------------------------------------------------------

# Where links in emails point (reminders, alerts): the address people open Fieldbook at.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Fieldbook <fieldbook@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env_str("EMAIL_URL"):
    globals().update(parse_email_url(env_str("EMAIL_URL")))
elif env_str("EMAIL_BACKEND"):
    EMAIL_BACKEND = env_str("EMAIL_BACKEND")
else:
    # Development: every email is written as a file under var/mail/ to be read, never sent.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Reminders -----------------------------------------------------------------------------------

# Reminders, daily digests and welfare checks (investigation.reminders, sources.welfare). The
# database is the outbox: a follow-up's reminder is a row, and a periodic sweep emails each row
# once. When they run is edited in the admin (Periodic tasks, django-celery-beat); the defaults
# come from the migration investigation/0005_install_default_schedules.

# A follow-up's reminder goes out this long before it is due.
REMINDER_LEAD = timedelta(minutes=env_int("REMINDER_LEAD_MINUTES", 60))
# A reminder or digest whose worker died while sending it is taken up again after this long.
# It must be longer than any task may run (CELERY_TASK_TIME_LIMIT; investigation.E006): then a
# live worker never loses its claim, and the only email that can go out twice is the one in
# flight when a worker died, both times with the same Message-ID.
REMINDER_CLAIM_TIMEOUT = timedelta(seconds=env_int("REMINDER_CLAIM_SECONDS", 15 * 60))
# The daily digest lists the follow-ups due within this many days (and every overdue one).
DIGEST_DUE_SOON = timedelta(days=env_int("DIGEST_DUE_SOON_DAYS", 7))
# Welfare checks: after this many days without a recorded contact, a source's handler gets one
# follow-up asking them to check that the source is safe. The more a source risks by talking
# to us, the sooner: a confidential source may be unable to reach us when in trouble, while an
# on-the-record source is public and usually gets in touch on their own.
WELFARE_CHECK_DAYS = {
    "confidential": env_int("WELFARE_CHECK_DAYS_CONFIDENTIAL", 14),
    "anonymous": env_int("WELFARE_CHECK_DAYS_ANONYMOUS", 21),
    "background": env_int("WELFARE_CHECK_DAYS_BACKGROUND", 30),
    "on_record": env_int("WELFARE_CHECK_DAYS_ON_RECORD", 60),
}
# Seconds an unanswering mail server may hold a sweep (and the claim on a reminder).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# Imports and exports -------------------------------------------------------------------------

# The admin's spreadsheet imports and exports (django-import-export; investigation.importexport).
# Exported cells that start with = + - @ are neutralised, so a spreadsheet never runs them.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# An import runs in one transaction, rolled back unless every row is valid.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
# Spreadsheet and ACLED imports (investigation.importexport, events.acled; README "Import
# limits"). A file may be IMPORT_MAX_MB at most (so it stays in memory until it is written under
# MEDIA_ROOT/imports), each part of a workbook IMPORT_XLSX_PART_MAX_MB once unpacked (checked
# before it is parsed), and IMPORT_MAX_ROWS rows. Above IMPORT_ASYNC_ROWS rows the preview and
# the import run on a Celery worker, with a progress page and an email when done.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 25) * 1024 * 1024
IMPORT_XLSX_PART_MAX_BYTES = env_int("IMPORT_XLSX_PART_MAX_MB", 50) * 1024 * 1024
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
IMPORT_ASYNC_ROWS = env_int("IMPORT_ASYNC_ROWS", 2000)
# Import files a crash or an unconfirmed preview left behind are deleted after this long.
IMPORT_FILE_MAX_AGE = timedelta(hours=env_int("IMPORT_FILE_MAX_HOURS", 24))
# Publication exports (stories.publication.export.publication_export) are files under
# MEDIA_ROOT/exports, never served directly. Above this many publishable events the admin page
# hands the export to a Celery worker and shows its progress instead of making the browser wait.
PUBLICATION_EXPORT_ASYNC_ROWS = env_int("PUBLICATION_EXPORT_ASYNC_ROWS", 5000)
# The leak scan (stories.publication.scan) refuses any exported point, and any coordinates
# written in a text, this close to a place where a source was interviewed.
LEAK_SCAN_NEAR_METRES = env_int("LEAK_SCAN_NEAR_METRES", 1000)
# An export still running this long after it started lost its worker and may be taken up again.
PUBLICATION_EXPORT_TIMEOUT = timedelta(seconds=CELERY_TASK_TIME_LIMIT + 60)

# Maps ----------------------------------------------------------------------------------------

# A public tile server learns which villages a reporter looks at: point this at a
# self-hosted tile server for sensitive work (see the README).
LEAFLET_TILES_URL = env_str("LEAFLET_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
LEAFLET_TILES_ATTRIBUTION = env_str(
    "LEAFLET_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors"
)
LEAFLET_CONFIG = {
    "TILES": [("Map", LEAFLET_TILES_URL, {"attribution": LEAFLET_TILES_ATTRIBUTION})],
    "DEFAULT_CENTER": (35.47, 44.39),
    "DEFAULT_ZOOM": 8,
    "MIN_ZOOM": 2,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
}

# Content-Security-Policy (django-csp) -------------------------------------------------------

# Scripts, styles, fonts and data from Fieldbook itself only, no inline script or style, no
# plugins, no framing, forms posted only to Fieldbook. Images also from the tile server (and
# data: URIs, which Leaflet and the admin's icons use).
TILE_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(LEAFLET_TILES_URL.replace("{s}", "*")))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", TILE_ORIGIN],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logging -------------------------------------------------------------------------------------

# Search words and list filters travel in query strings: no log line keeps one. Django's own
# loggers log paths only; the development server's request lines go through the filter below
# (its logger, handler and format as Django's defaults have them).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"query_strings_left_out": {"()": "investigation.logs.QueryStringsLeftOut"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},  # never DEBUG: queries carry search words
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["query_strings_left_out"],
        },
    },
}
