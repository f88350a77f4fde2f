"""The Redis cache backend against a real Redis: Django's cache API, one redis-py client per pool."""

import warnings

from django.core.cache.backends.base import DEFAULT_TIMEOUT

from portal.cache import PortalRedisCache


def test_the_cache_api_works_on_redis_and_reuses_one_client(redis_url):
    cache = PortalRedisCache(redis_url, {"KEY_PREFIX": "test-cache", "TIMEOUT": DEFAULT_TIMEOUT})
    cache.clear()
    cache.set("page", (("v1", 2), b"<html>"), 30)
    assert cache.get("page") == (("v1", 2), b"<html>")
    assert cache.add("page", "other") is False and cache.add("fresh", 1) is True
    assert cache.get_many(["page", "fresh", "missing"]) == {"page": (("v1", 2), b"<html>"), "fresh": 1}
    assert cache.incr("fresh") == 2
    cache.delete("page")
    assert cache.get("page") is None

    long = "pagecache:page:articles:es:" + "x" * 300  # memcached would refuse it; Redis takes it, unwarned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.set(long, b"copy", 30)
        assert cache.get(long) == b"copy"

    client = cache._cache.get_client()
    assert cache._cache.get_client() is client and cache._cache.get_client(write=True) is client
    cache.clear()
