"""Nobody can fill Redis: the public page caches store only pages that exist, so made-up query values add no
keys. Measured on a real Redis by counting its keys."""

import pytest
import redis

from articles.tests.factories import published_article

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.PortalRedisCache",
            "LOCATION": redis_url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    return redis.Redis.from_url(redis_url)


def test_made_up_pages_and_tags_add_no_cache_keys(client, redis_cache, physio, editor):
    published_article(reviewer=physio, author=editor, slug="sciatica")
    for url in ("/articles/", "/exercises/", "/articles/?page=1"):
        assert client.get(url).status_code == 200
    keys = redis_cache.dbsize()

    for n in range(200):
        for url in (
            f"/articles/?page={n + 2}",
            f"/articles/?tag=made-up-{n}",
            f"/articles/?condition=x{n}",
            f"/exercises/?page={n + 2}",
            f"/exercises/?kind=nope{n}",
            f"/articles/?page=0{n}",
        ):
            assert client.get(url).status_code == 200

    assert redis_cache.dbsize() == keys
    assert client.get("/articles/").status_code == 200
