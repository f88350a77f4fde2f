"""Cached reads of the exercise library.

The public list is cached as whole pages under a version number. Every save or delete of an exercise or of
one of its images bumps it (signal receivers in `programs.apps`, so the admin, the demo seed and the shell are
all covered). The cache must be shared by the web workers (Redis when REDIS_URL is set) for a bump in one
worker to reach the others, as for the articles.
"""

from portal.pagecache import bump_version

VERSION_KEY = "exercises:version"


def invalidate_library(**_signal_kwargs) -> None:
    bump_version(VERSION_KEY)
