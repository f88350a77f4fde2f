"""The cache and the broker are separate stores: flushing the cache leaves queued tasks where they are."""

import pytest
import redis
from django.core.cache import cache
from django.db import transaction

from portal.testing.factories import StaffFactory
from portal.tests.test_outbox_faults import queue_welcome

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def test_a_cache_flush_never_empties_the_queue(settings, celery_app, redis_url):
    broker_db = redis.Redis.from_url(redis_url)
    cache_url = redis_url.rsplit("/", 1)[0] + "/14"  # the tests' second database
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.PortalRedisCache",
            "LOCATION": cache_url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    queue_welcome(StaffFactory(email="welcome@test.example"))
    cache.set("page", "copy")
    assert broker_db.llen("celery") == 1

    with transaction.atomic():
        cache.clear()

    assert broker_db.llen("celery") == 1 and cache.get("page") is None
