"""Cached reads of the exercise library.

The public list is cached as whole pages under a version number. Every save or delete of an exercise or of
one of its images bumps it (signal receivers in `programs.apps`, so the admin, the demo seed and the shell are
all covered). The cache must be shared by the web workers (Redis when REDIS_URL is set) for a bump in one
worker to reach the others, as for the articles.
"""

import time

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "exercises:version"


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not in the cache (never set, or evicted): a value no earlier page can carry
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def invalidate_library(**_signal_kwargs) -> None:
    """Now, and again on commit: a reader between the two could otherwise cache the old rows under the new
    version."""
    _bump()
    transaction.on_commit(_bump)
