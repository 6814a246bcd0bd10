"""
PartyShots settings: one file, everything that differs between machines comes
from the environment. README.md lists every variable with its default.
"""

import logging
import os
import re
from pathlib import Path

import dj_database_url
from botocore.config import Config as BotocoreConfig
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default="False"):
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def envrate(name, default):
    """A rate limit such as "30/h" or "10/15m": (count, period in seconds)."""
    value = os.environ.get(name, default).strip()
    match = re.fullmatch(r"(\d+)\s*/\s*(\d*)\s*([smhd])", value)
    if not match:
        raise ImproperlyConfigured(
            f"{name}={value!r}: write a rate as count/period, e.g. 30/h or 10/15m."
        )
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[
        unit
    ]


DEBUG = envbool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
            "random string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# Absolute links (share page, QR codes, emails) use SITE_URL when set, else the
# host of the request.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "accounts",
    "albums",
    "photos",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The language: the person's choice, their browser's, or the album's.
    "core.languages.LanguageMiddleware",
    # Refuses a body too large for its address, or a request the apps would
    # refuse anyway (REQUEST_BODY_CHECKS), before anything reads the body:
    # after sessions and users, before CSRF (which reads request.POST).
    "core.middleware.RequestBodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.devices.DeviceCookieMiddleware",
    "albums.middleware.DeviceCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, so it sees exceptions from views before anything else does.
    "core.middleware.ErrorMiddleware",
]

ROOT_URLCONF = "partyshots.urls"
WSGI_APPLICATION = "partyshots.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: a transaction that reads before it writes (an
    # upload counts, then inserts: photos.ingest) takes the write lock when it
    # begins, so two of them wait their turn rather than fail as a deadlock.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The site's language, for whoever asked for none we ship and isn't on an
# album page (an album's pages use the language its host set).
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files: hashed, compressed, served by whitenoise.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}

# Photo storage. With a bucket: S3 (or any S3-compatible service) with short
# pre-signed URLs. Without: a private local folder whose files are reachable
# only through signed, expiring URLs (core.storage.local.LocalSignedStorage).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
STORAGE_URL_EXPIRY = envint("STORAGE_URL_EXPIRY", 3600)
# S3 URLs are signed as of the start of a window of this many seconds, so a
# reloaded page gets the same URLs and the browser reuses its cached images.
STORAGE_URL_WINDOW = envint("STORAGE_URL_WINDOW", 900)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE") or None
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = STORAGE_URL_EXPIRY
    AWS_LOCATION = os.environ.get("AWS_LOCATION", "")
    # Bounded waits: S3 that accepts connections and never answers holds a
    # request (connect + read) x attempts, not botocore's 60 s reads retried.
    # A config given here replaces django-storages' own, so it carries the
    # addressing style and signature version too (and the fast URL signer,
    # core.storage.presign, still checks its URLs against botocore's).
    AWS_S3_CLIENT_CONFIG = BotocoreConfig(
        s3={"addressing_style": AWS_S3_ADDRESSING_STYLE},
        signature_version=AWS_S3_SIGNATURE_VERSION,
        connect_timeout=float(os.environ.get("AWS_S3_CONNECT_TIMEOUT", "5")),
        read_timeout=float(os.environ.get("AWS_S3_READ_TIMEOUT", "20")),
        retries={
            "mode": "standard",
            "total_max_attempts": envint("AWS_S3_ATTEMPTS", 2),
        },
    )
    STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    STORAGE_BACKEND = "core.storage.local.LocalSignedStorage"


def storage_origins(bucket, endpoint_url=None, region=None, addressing_style=None):
    """The origins a browser loads photos from, for img-src: those of the
    pre-signed URLs botocore makes for this bucket (virtual-hosted or path
    style), and nothing wider. Without a bucket the signed local URLs are ours."""
    if not bucket:
        return []
    if endpoint_url:
        scheme, _, host = endpoint_url.rstrip("/").partition("://")
        origins = [f"{scheme}://{host}"]
        if addressing_style == "virtual":
            origins.append(f"{scheme}://{bucket}.{host}")
        return origins
    hosts = ["s3.amazonaws.com"] + ([f"s3.{region}.amazonaws.com"] if region else [])
    if addressing_style == "path" or "." in bucket:
        return [f"https://{host}" for host in hosts]
    return [f"https://{bucket}.{host}" for host in hosts]


STORAGE_ORIGINS = envlist("STORAGE_ORIGINS") or storage_origins(
    AWS_STORAGE_BUCKET_NAME,
    os.environ.get("AWS_S3_ENDPOINT_URL"),
    os.environ.get("AWS_S3_REGION_NAME"),
    os.environ.get("AWS_S3_ADDRESSING_STYLE"),
)
STORAGES = {
    "default": {"BACKEND": STORAGE_BACKEND},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads. Files over 2.5 MB spool to a temporary file, never whole in memory;
# photos.uploads.SizeLimitUploadHandler stops storing a file past the limit.
PHOTO_MAX_BYTES = envint("PHOTO_MAX_MB", 40) * 1024 * 1024
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_MEGAPIXELS", 50) * 1_000_000
# Decoding work per file (photos.images): every frame of an animation is
# decoded, up to this many pixels in all frames together and this much CPU
# time, so no file within the limits costs much more than a second.
PHOTO_MAX_DECODE_PIXELS = envint("PHOTO_MAX_DECODE_MEGAPIXELS", 75) * 1_000_000
PHOTO_MAX_DECODE_SECONDS = float(os.environ.get("PHOTO_MAX_DECODE_SECONDS", "1"))
# Video clips (photos.videos): size checked before a byte moves, length and
# everything else on the worker (the `video` queue) with ffmpeg. Clips longer
# than VIDEO_PLAYBACK_MAX_HEIGHT on their short side, HEVC, or not ready to
# stream get an H.264 playback copy at most that size.
VIDEO_MAX_BYTES = envint("VIDEO_MAX_MB", 500) * 1024 * 1024
VIDEO_MAX_SECONDS = envint("VIDEO_MAX_SECONDS", 180)
VIDEO_PLAYBACK_MAX_HEIGHT = envint("VIDEO_PLAYBACK_MAX_HEIGHT", 1080)
# Wall-clock seconds a worker may spend on one clip (probe, poster, copies);
# ffmpeg runs with at most VIDEO_MAX_MEMORY_MB of address space.
VIDEO_TASK_SECONDS = envint("VIDEO_TASK_SECONDS", 900)
VIDEO_MAX_MEMORY_MB = envint("VIDEO_MAX_MEMORY_MB", 3072)
FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("FFPROBE", "ffprobe")
# The slideshow plays a clip muted for at most this long, then moves on.
SLIDESHOW_VIDEO_SECONDS = envint("SLIDESHOW_VIDEO_SECONDS", 20)
# After every this many photos the slideshow shows the album's QR code full
# screen for one slide ("Scan to add your photos"); 0: never (the small one in
# the corner and the one on an empty album stay). A screen's ?qr= overrides it.
SLIDESHOW_QR_EVERY = envint("SLIDESHOW_QR_EVERY", 10)
FILE_UPLOAD_HANDLERS = [
    "photos.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Files one upload request may carry (Django refuses more).
DATA_UPLOAD_MAX_NUMBER_FILES = envint("UPLOAD_MAX_FILES", 100)

# Request bodies (core.requestbody): refused before they are read when the
# declared length is over the limit, cut off with a 413 when a chunked one
# passes it. Everywhere the general limit; the upload URL takes its files
# plus the form around them.
REQUEST_BODY_MAX_BYTES = envint("REQUEST_MAX_KB", 2560) * 1024
# Direct uploads (photos.direct_uploads) go in parts of this size: S3's
# smallest is 5 MiB; on the local storage each part is one PUT to us.
UPLOAD_PART_BYTES = envint("UPLOAD_PART_MB", 8) * 1024 * 1024
REQUEST_BODY_LIMITS = {
    "upload": PHOTO_MAX_BYTES * DATA_UPLOAD_MAX_NUMBER_FILES + REQUEST_BODY_MAX_BYTES,
    "upload_part": UPLOAD_PART_BYTES,
}
# Checks that may refuse a request before its body is read (an upload to an
# album that doesn't exist, is locked, or is over its rate limits).
REQUEST_BODY_CHECKS = ["photos.precheck.upload_precheck"]
# A body that sends nothing this many seconds is answered 408 and dropped
# (core.asgi, the production web process).
REQUEST_BODY_TIMEOUT = envint("REQUEST_BODY_TIMEOUT", 30)

# Quotas for what an album and a guest may hold (enforced by the upload view).
ALBUM_MAX_PHOTOS = envint("ALBUM_MAX_PHOTOS", 5000)
ALBUM_MAX_BYTES = envint("ALBUM_MAX_GB", 20) * 1024**3
GUEST_SESSION_MAX_PHOTOS = envint("GUEST_SESSION_MAX_PHOTOS", 500)

# Cache: Redis when REDIS_URL is set, so rate limits are shared by every app
# instance; else memory of this one process (fine for the embedded default).
# Short socket timeouts: an unreachable Redis costs a request one second, and
# the rate limiter then fails closed for logins and code lookups.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "partyshots",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "partyshots",
        }
    }

# Background work: Celery with Redis as the broker (CELERY_BROKER_URL, else
# REDIS_URL). With neither (the embedded default) tasks run in the web process
# right after the request's transaction commits, so `./dev serve` stays one
# command. Tasks take ids, are acknowledged only once done (a worker killed
# mid-task leaves its task to another) and may run twice: each is idempotent.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Queue names: deployments (or test runs) that share one Redis each use their own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "images")
# Video clips have a queue of their own (the Procfile's `video:` worker, one
# clip at a time), so a long transcode never holds up the photos.
CELERY_VIDEO_QUEUE = os.environ.get("CELERY_VIDEO_QUEUE", "video")
CELERY_TASK_ROUTES = {"photos.tasks.process_video": {"queue": CELERY_VIDEO_QUEUE}}
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
# A task a worker took and never acknowledged goes back to the queue after
# this long (Redis transport); longer than any task may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3 * max(CELERY_TASK_TIME_LIMIT, VIDEO_TASK_SECONDS + 30)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic tasks, run by the Procfile's `beat:` process (celery beat) on the
# default queue. Without a broker, `manage.py periodic_tasks` runs them once
# (from cron, say). Both are safe to run twice: every email is recorded
# before it goes (photos.models.SentEmail), and the purge takes what is due.
NOTIFY_CHECK_MINUTES = envint("NOTIFY_CHECK_MINUTES", 5)
CELERY_BEAT_SCHEDULE = {
    "send-notifications": {
        "task": "photos.tasks.send_notifications",
        "schedule": NOTIFY_CHECK_MINUTES * 60,
    },
    "purge-trash": {"task": "photos.tasks.purge_trash", "schedule": 3600},
}

# Hosts' emails of what is new: a daily one goes at this hour of the
# album's time zone (an hourly one at the top of each hour), with at most
# this many thumbnails inline.
NOTIFY_DAILY_HOUR = envint("NOTIFY_DAILY_HOUR", 9)
NOTIFY_THUMBNAILS = envint("NOTIFY_THUMBNAILS", 6)
# Deleted albums and photos stay in the trash this many days, restorable,
# before their rows and files are purged.
TRASH_DAYS = envint("TRASH_DAYS", 14)
# A co-host invitation link works once, for this many days.
COHOST_INVITATION_DAYS = envint("COHOST_INVITATION_DAYS", 7)

# Rate limits (core.ratelimit), each "count/period" from RATE_LIMIT_<NAME>.
# Fixed windows: after `count` hits a key waits for the window to end.
RATE_LIMITS = {
    # Wrong (well-formed) typed album codes: per device (a signed cookie, or
    # the address for clients without one), per address with a ceiling a whole
    # venue's Wi-Fi can share, and from everyone together, so guessing codes is
    # hopeless even from many addresses (README has the sums). Links and QR
    # codes carry a long token instead and count against none of these.
    "code-lookup-device": envrate("RATE_LIMIT_CODE_LOOKUP_DEVICE", "30/h"),
    "code-lookup-client": envrate("RATE_LIMIT_CODE_LOOKUP_CLIENT", "600/h"),
    "code-lookup-global": envrate("RATE_LIMIT_CODE_LOOKUP_GLOBAL", "60/m"),
    # Failed logins. Per (username, client) pair, so a stranger can't lock the
    # owner out from elsewhere; per username a softer, short window, so even a
    # botnet locks a new device out for minutes, not days; per client for
    # spraying passwords over many usernames. A browser that has logged in as
    # the user before (device cookie, accounts.devices) skips the per-username
    # limit and its failures count per device instead.
    "login-pair": envrate("RATE_LIMIT_LOGIN_PAIR", "10/15m"),
    "login-user": envrate("RATE_LIMIT_LOGIN_USER", "50/5m"),
    "login-device": envrate("RATE_LIMIT_LOGIN_DEVICE", "10/15m"),
    "login-client": envrate("RATE_LIMIT_LOGIN_CLIENT", "100/h"),
    "signup-client": envrate("RATE_LIMIT_SIGNUP_CLIENT", "10/h"),
    "password-reset-client": envrate("RATE_LIMIT_PASSWORD_RESET_CLIENT", "10/h"),
    "password-reset-email": envrate("RATE_LIMIT_PASSWORD_RESET_EMAIL", "3/h"),
    # A party's guests often share one Wi-Fi address: generous per client.
    "upload-client": envrate("RATE_LIMIT_UPLOAD_CLIENT", "1000/h"),
    "upload-album": envrate("RATE_LIMIT_UPLOAD_ALBUM", "3000/h"),
    "takedown-client": envrate("RATE_LIMIT_TAKEDOWN_CLIENT", "10/h"),
    # Guests leaving their email for the album's link: a few per client.
    "guest-email-client": envrate("RATE_LIMIT_GUEST_EMAIL_CLIENT", "20/h"),
}
# How many reverse proxies in front of the app append to X-Forwarded-For
# (Heroku, Render: 1). 0 = use the connection's address and ignore the header,
# which any client can forge.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Email: console unless an SMTP host is given.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "True")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "PartyShots <noreply@localhost>"
)

# Security. Everything strict unless DEBUG is on.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Logins are counted per username and client (accounts.backends). The plain
# ModelBackend stays listed for sessions logged in with it by name.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.RateLimitedModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# No inline script or style anywhere: JS in static/js, CSS in static/css.
# Photos come from the storage origin (pre-signed URLs) or our signed /media/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: only for the two icons static/css/site.css draws as inline SVG
        # masks (.upload-locked, .empty-state); no template, script or admin
        # page uses data: images.
        "img-src": [SELF, "data:", *STORAGE_ORIGINS],
        # Direct uploads PUT their parts to the bucket's pre-signed URLs.
        "connect-src": [SELF, *STORAGE_ORIGINS],
        # Video clips play from the same pre-signed URLs; blob: for the upload
        # card's preview of a clip being sent (a frame of the chosen file,
        # through an object URL only our own scripts can make).
        "media-src": [SELF, "blob:", *STORAGE_ORIGINS],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment for the whole domain, made on purpose by
        # setting SECURE_HSTS_PRELOAD=1; off is a choice, not an oversight.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Platforms that terminate TLS in front of the app (Heroku, Render, Fly...)
    # tell it so with this header.
    if envbool("SECURE_PROXY_SSL_HEADER", "True"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


class OneLineFormatter(logging.Formatter):
    """Each record on one line, its traceback folded in (" | " for each line
    break), so a platform's log viewer keeps a request error whole and text
    from a request can't forge a line of its own."""

    def format(self, record):
        return super().format(record).replace("\r", "").replace("\n", " | ")


# Logs go to stdout, one line each; request errors carry method, path, status
# and the traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": OneLineFormatter,
            "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {
            "handlers": ["stdout"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}
