"""The cache and the broker are separate stores: flushing the cache leaves queued tasks where they are."""

import json
import os
import subprocess
import sys

import pytest
import redis
from django.core.cache import cache
from django.db import transaction

from portal.tests.test_outbox_faults import queue_welcome
from testing.factories import StaffFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def configured_cache(**env) -> dict:
    """The cache settings a process started with `env` gets."""
    script = "import json; from django.conf import settings; print(json.dumps(settings.CACHES['default'], default=str))"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_a_cache_flush_never_empties_the_queue(settings, celery_app, redis_url, cache_redis_url):
    broker_db = redis.Redis.from_url(redis_url)
    cache_settings = configured_cache(REDIS_URL=redis_url, CACHE_REDIS_URL=cache_redis_url)
    assert cache_settings["LOCATION"] == cache_redis_url
    settings.CACHES = {"default": {**cache_settings, "OPTIONS": settings.REDIS_CACHE_OPTIONS}}
    queue_welcome(StaffFactory(email="welcome@test.example"))
    cache.set("page", "copy")
    assert broker_db.llen("celery") == 1

    with transaction.atomic():
        cache.clear()

    assert broker_db.llen("celery") == 1 and cache.get("page") is None
