"""Settings for the clinic portal, read from the environment.

With nothing set, the portal runs on a laptop: SQLite, Celery tasks run
in-process after commit, emails printed to the console. Setting
DATABASE_URL, REDIS_URL and EMAIL_URL switches to the real services.
"""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "insecure-dev-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])

if not DEBUG:
    # Refuse to start rather than run production on a guessable key.
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal's host names when DEBUG is off.")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",  # django.contrib.admin with two-factor for clinical staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    # After contrib.auth: its post_migrate creates the permissions that portal's assigns to roles.
    "portal",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",  # the code that proves the mailbox before a first enrolment
    "django_otp.plugins.otp_static",  # backup codes
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "programs",
    "articles",
    "patients",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.sessions.SessionRefreshMiddleware",
    # The browser's language (Accept-Language) among LANGUAGES; no language prefix in URLs, which are contracts.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After LocaleMiddleware: a patient's chosen language wins over the browser's; the admin stays English.
    "portal.locale.PatientLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.security.ContentSecurityPolicyMiddleware",  # django-csp's, with the header built once
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.site",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so templates/ can correct Django's widget markup (the admin's date-and-time
# widget labels its two inputs: templates/admin/widgets/split_datetime.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "portal.backends.UserWithPatientBackend",  # Django's ModelBackend, with the patient record read alongside
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

LANGUAGE_CODE = "en-gb"
# What patients can read the site and their emails in (Patient.language; the browser's choice otherwise).
# Staff pages and emails are English only.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Uploads on the filesystem, or in an S3-compatible bucket (MinIO in compose) when a bucket is named. Either
# way the portal serves them at MEDIA_URL through the storage API (portal/media.py): the bucket stays private.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)  # MinIO: http://minio:9000
AWS_S3_FILE_OVERWRITE = False  # a new upload gets a new name, as on the filesystem: URLs can be cached
AWS_DEFAULT_ACL = None
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read from the environment by boto3 itself.
# Rendered handout PDFs (programs/handouts_store.py) hold patients' data: outside MEDIA_ROOT, or in the bucket
# under private/, which /media/ refuses to serve (portal/media.py).
STORAGES = {
    "default": {
        "BACKEND": "portal.storage.PrivateBucketStorage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage"
    },
    "handouts": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "private/handouts"}}
    if AWS_STORAGE_BUCKET_NAME
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "handouts"},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Back & Spine Clinic <care@clinic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env.str("SITE_NAME", default="Back & Spine Clinic")
# Where patients are told to go in an emergency; each clinic may override both in the admin.
EMERGENCY_NUMBER = env.str("EMERGENCY_NUMBER", default="999")
EMERGENCY_DEPARTMENT = env.str("EMERGENCY_DEPARTMENT", default="A&E")

# --- Cache and Celery ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# The cache in a database of its own, so that flushing it (or its eviction) never touches the queued tasks.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default=REDIS_URL)
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
    # A pooled connection that Redis dropped (a restart, a network blip) is reconnected once, not failed.
    "retry": Retry(NoBackoff(), 1),
    "retry_on_error": [RedisConnectionError],
}
if REDIS_URL:
    # Fails open (portal/cache.py); short timeouts so an unreachable Redis costs little before it is skipped.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.PortalRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long a cached page lives at most (portal/pagecache.py); every change makes it stale before that.
PAGE_CACHE_TIMEOUT = env.int("PAGE_CACHE_TIMEOUT", default=60 * 60)

# Redis (the default, REDIS_URL) or RabbitMQ (amqp://…): the outbox fault tests run on both in CI.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
# Without a broker, tasks run in-process; callers still enqueue them on commit.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Redis re-delivers an unacked task after this; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Alert emails go to their own queue, consumed by their own worker (docker-compose.yml: worker-urgent), so a
# fan-out of 100k reminders never delays them. A worker started without -Q consumes only the default queue.
OUTBOX_URGENT_QUEUE = env.str("OUTBOX_URGENT_QUEUE", default="urgent")
# Beat runs only these sweepers; what to send and when is data in the admin.
CELERY_BEAT_SCHEDULE: dict = {
    "articles-publish-due": {"task": "articles.publish_due", "schedule": 60.0},
    "articles-review-reminders": {
        "task": "articles.send_review_reminders",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "outbox-sweep": {"task": "portal.outbox.sweep", "schedule": 60.0},
    "portal-housekeeping": {"task": "portal.housekeeping", "schedule": crontab(minute=30, hour=3)},
    # Red flags nobody acknowledged in the clinic's time go to every clinician of the clinic.
    "patients-escalate-alerts": {"task": "patients.escalate_alerts", "schedule": 60.0},
    "patients-check-inactivity": {"task": "patients.check_inactivity", "schedule": crontab(minute=20)},
    # Follow-ups: each fan-out decides per patient (time zone, quiet hours, rules) who is due now.
    "patients-reminders": {"task": "patients.fan_out_reminders", "schedule": crontab(minute="*/15")},
    "patients-check-ins-due": {"task": "patients.fan_out_check_ins_due", "schedule": crontab(minute="5,35")},
    "patients-weekly-summaries": {"task": "patients.fan_out_weekly_summaries", "schedule": crontab(minute=10)},
    "patients-physio-digests": {"task": "patients.fan_out_physio_digests", "schedule": crontab(minute="*/15")},
}

# Password reset emails: at most this many an hour to one address, and requests an hour from one client.
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=3)
PASSWORD_RESET_PER_IP = env.int("PASSWORD_RESET_PER_IP", default=20)

# Housekeeping (portal/housekeeping.py, daily): how long rows are kept.
AUDIT_KEEP_DAYS = env.int("AUDIT_KEEP_DAYS", default=8 * 366)  # as long as clinical records
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=90)  # sent and cancelled emails
LOCKOUT_KEEP_DAYS = env.int("LOCKOUT_KEEP_DAYS", default=90)  # login attempt logs

# --- Email outbox (portal/outbox) ---------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=60.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=6 * 60 * 60.0)
# A row "sending" for longer than this lost its worker; it must exceed the task's hard time limit.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
# A pending row whose task was put on the broker this recently is not enqueued again by the sweeper.
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=5 * 60)
# Fan-outs and sweeps send this many emails per task, over one SMTP connection, for at most this long.
OUTBOX_SEND_BATCH_SIZE = env.int("OUTBOX_SEND_BATCH_SIZE", default=50)
OUTBOX_BATCH_SECONDS = env.float("OUTBOX_BATCH_SECONDS", default=CELERY_TASK_SOFT_TIME_LIMIT / 2)
OUTBOX_SWEEP_BATCH_SIZE = 500
OUTBOX_SWEEP_MAX_BATCHES = 20

# --- Security ----------------------------------------------------------------------
# Sessions end after this long without a request (patients often use shared devices).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
# The idle timeout is kept by portal.sessions.SessionRefreshMiddleware, which writes the session only when
# a tenth of this window has passed since its last write (not on every request).
SESSION_SAVE_EVERY_REQUEST = False
# In the database: a login must survive a Redis outage, and a logout in one must not be undone by a stale copy
# in the cache once Redis is back.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Staff who can see patient data must pass TOTP two-factor authentication to use the admin.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("SITE_NAME", default="Back & Spine Clinic")

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the login form field, though users log in with their email
AXES_USERNAME_CALLABLE = "portal.security.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many trusted proxies (the TLS terminator) sit in front of the web server: the client's address is read
# from X-Forwarded-For accordingly (portal.security.client_ip), for the lockout and the audit trail.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
# Failures while locked out do not push the end of the lockout further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF, "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
PERMISSIONS_POLICY: dict[str, list] = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Every line says when, how bad and where from; LOG_FORMAT=json gives one JSON object a line for a collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": LOG_FIELDS},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "format": LOG_FIELDS},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain"},
        # Without Sentry, errors are emailed to ADMINS.
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Errors reach someone: Sentry when SENTRY_DSN is set (Django and Celery), otherwise an email to ADMINS
# ("Name <address>, …"). No personal data is sent to Sentry.
ADMINS = [parseaddr(entry) for entry in env.list("ADMINS", default=[])]
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
    )
elif ADMINS:
    LOGGING["loggers"]["django.request"] = {"handlers": ["mail_admins"], "level": "ERROR", "propagate": True}
    LOGGING["loggers"]["celery"] = {"handlers": ["mail_admins"], "level": "ERROR", "propagate": True}

# Kept configurable so production can move the admin off the guessable path.
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
