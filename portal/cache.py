"""Django's Redis cache backend, made to fail open and to reuse one redis-py client per connection pool.

Failing open: the cache only ever holds copies (pages, the login form, article reads), so while Redis is
unreachable every read is a miss and every write is dropped, and the site keeps working from the database
(sessions live in the database for the same reason). After a failure the backend does not try Redis again
for `RETRY_AFTER` seconds, so an outage costs one connection timeout per process, not one per call. Dropped
writes are what make copies stale: a version bump lost in the outage would let an old page be served once
Redis is back. So the first call that reaches Redis after this process dropped a write gives
`GENERATION_KEY` a new value; the page cache (portal.pagecache) keys every copy on it,
so all copies made before are stale at once.

Reusing clients: Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache
operation, and each one fills a dict of about 170 response callbacks: on a cached logged-in page that was a
tenth of the request's CPU. A client only wraps its thread-safe connection pool, so one per pool serves all.
The internals used here are pinned in portal/tests/test_private_apis.py (checked against Django 5.2).
"""

import logging
import secrets
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
GENERATION_KEY = "cache-generation"
RETRY_AFTER = 5.0
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


def _fails_open(name: str, *, default, write: bool):
    def method(self, *args, **kwargs):
        if time.monotonic() < self._down_until:
            self._dropped_writes |= write
            return default() if callable(default) else default
        try:
            if self._dropped_writes:
                RedisCache.set(self, GENERATION_KEY, secrets.token_hex(8), None)
                self._dropped_writes = False
                logger.warning("Redis is back: cached pages from before the outage are now stale")
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except UNAVAILABLE as error:
            self._down_until = time.monotonic() + RETRY_AFTER
            self._dropped_writes |= write
            logger.error("Redis unavailable, serving without the cache for %ss: %s", RETRY_AFTER, error)
            return default() if callable(default) else default

    method.__name__ = name
    return method


# get() fails open to a sentinel, mapped back to the caller's default.
_MISSING = object()
_get = _fails_open("get", default=_MISSING, write=False)


class PortalRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
        self._down_until = 0.0
        self._dropped_writes = False

    def validate_key(self, key):
        """Redis takes any key. Django's check warns about keys memcached would refuse, scanning every character
        of every key: on a cached page's six keys, a tenth of what the cache costs the request."""

    def get(self, key, default=None, version=None):
        found = _get(self, key, default, version)
        return default if found is _MISSING else found

    get_many = _fails_open("get_many", default=dict, write=False)
    has_key = _fails_open("has_key", default=False, write=False)
    set = _fails_open("set", default=None, write=True)
    add = _fails_open("add", default=False, write=True)
    touch = _fails_open("touch", default=False, write=True)
    delete = _fails_open("delete", default=False, write=True)
    set_many = _fails_open("set_many", default=list, write=True)
    delete_many = _fails_open("delete_many", default=None, write=True)
