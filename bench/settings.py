"""Settings for the benchmark: production settings (DEBUG off, Redis) plus the hello-world reference URL.

Only `bench/run` uses these. The key and hosts are fixed and bench-only; HTTPS redirects and staff
two-factor are off so plain-HTTP wrk and the physio's admin pages can be measured.
"""

import os

os.environ["DEBUG"] = "False"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
# Production serves from several processes, so the cache, the sessions and the broker are Redis.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")

from portal.settings import *  # noqa: E402,F403
from portal.settings import DATABASES  # noqa: E402

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
STAFF_2FA_REQUIRED = False
DATABASES["default"]["CONN_MAX_AGE"] = None  # persistent connections, as behind a real pool
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # The query probe asks for pages that may not exist yet; the table says "missing" instead.
    "loggers": {"django.request": {"level": "ERROR"}},
}
# For a before/after of the session store in one sitting: BENCH_SESSION_ENGINE=…cached_db (the old store).
SESSION_ENGINE = os.environ.get("BENCH_SESSION_ENGINE", SESSION_ENGINE)  # noqa: F405
# The cold server of bench/run (the page-cache misses): a cache namespace of its own that keeps nothing, so
# every request renders its page, as on a patient's first visit of the day.
if os.environ.get("BENCH_COLD_CACHE"):
    PAGE_CACHE_TIMEOUT = 0
    CACHES["default"]["KEY_PREFIX"] = "cold"  # noqa: F405
