"""The idle timeout with a session write every few minutes instead of on every request."""

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.sessions import REFRESHED_AT

IDLE = 30 * 60


def _store(client):
    return import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def _logged_in(client, patient, password):
    client.post("/accounts/login/", {"username": patient.user.email, "password": password})
    assert _store(client).get("_auth_user_id") == str(patient.user.pk)


def test_the_idle_window_is_thirty_minutes_from_login(client, patient, password):
    response = client.post("/accounts/login/", {"username": patient.user.email, "password": password})
    assert response.cookies["sessionid"]["max-age"] == IDLE
    assert settings.SESSION_COOKIE_AGE == IDLE


def test_requests_soon_after_the_last_write_do_not_write_the_session(client, patient, password):
    _logged_in(client, patient, password)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            response = client.get("/")
            assert response.wsgi_request.user == patient.user
    assert _session_writes(queries.captured_queries) == []
    assert "sessionid" not in response.cookies


def test_a_request_a_tenth_of_the_window_after_the_last_write_extends_the_session(client, patient, password):
    _logged_in(client, patient, password)
    store = _store(client)
    store[REFRESHED_AT] = int(time.time()) - IDLE // 10 - 1  # as if the last write was three minutes ago
    store.save()
    old_expiry = Session.objects.get(pk=store.session_key).expire_date

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert len(_session_writes(queries.captured_queries)) == 1
    assert response.cookies["sessionid"]["max-age"] == IDLE
    new_expiry = Session.objects.get(pk=store.session_key).expire_date
    assert new_expiry > old_expiry and new_expiry > timezone.now() + timedelta(seconds=IDLE - 60)
    assert _store(client)[REFRESHED_AT] >= int(time.time()) - 5


def test_a_session_idle_past_its_window_is_logged_out_and_not_revived(client, patient, password):
    _logged_in(client, patient, password)
    store = _store(client)
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/")
    assert not response.wsgi_request.user.is_authenticated
    assert not Session.objects.filter(pk=store.session_key).exists() or not _store(client).get("_auth_user_id")
    assert Session.objects.filter(expire_date__gt=timezone.now()).count() == 0  # no new session for the visitor


def test_logging_out_ends_the_session(client, patient, password):
    _logged_in(client, patient, password)
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=key).exists()
    assert not client.get("/").wsgi_request.user.is_authenticated
