"""Where the portal leans on Django internals, each is pinned here, so a Django upgrade that changes one fails
this file instead of the portal. Checked against Django 5.2 (the version in requirements.txt); on an upgrade,
read the internal again and update both the code and this test.

- portal/cache.py: `RedisCacheClient._get_connection_pool(write)` and `._client` (a client per pool, reused).
- portal/scoping.py: the admin changelist's row checkbox markup (`action_checkbox`), written out by hand.
"""

import inspect

import django
import redis
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.cache.backends.redis import RedisCacheClient

from portal.models import Clinic
from portal.scoping import ClinicScopedAdmin


def test_checked_against_this_django():
    assert django.VERSION[:2] == (5, 2)


def test_the_redis_cache_client_internals_the_portal_reuses():
    client = RedisCacheClient(["redis://127.0.0.1:6379/0"])
    assert list(inspect.signature(client._get_connection_pool).parameters) == ["write"]
    assert client._client is redis.Redis
    assert "self._get_connection_pool(write)" in inspect.getsource(RedisCacheClient.get_client)


def test_the_row_checkbox_is_the_markup_django_would_render(db):
    clinic = Clinic.objects.create(name="Riverside", slug="riverside")
    ours = ClinicScopedAdmin(Clinic, admin.site).action_checkbox(clinic)
    djangos = admin.ModelAdmin(Clinic, admin.site).action_checkbox(clinic)
    for part in (
        f'name="{helpers.ACTION_CHECKBOX_NAME}"',
        f'value="{clinic.pk}"',
        'class="action-select"',
        "aria-label",
    ):
        assert part in ours and part in djangos
