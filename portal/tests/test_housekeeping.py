"""Beat's daily housekeeping deletes what the portal stops keeping, and nothing else."""

from datetime import timedelta

from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.housekeeping import clean_up
from portal.models import AuditEvent, OutboundEmail
from testing.factories import OutboundEmailFactory


def test_housekeeping_runs_daily_from_beat():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "portal.housekeeping")
    assert entry["schedule"].hour == {3}
    from portal.celery import app

    app.loader.import_default_modules()  # what a worker does when it starts: find every app's tasks
    assert "portal.housekeeping" in app.tasks


def test_old_rows_go_and_recent_or_unfinished_ones_stay(physio, clinic):
    now = timezone.now()
    long_ago = now - timedelta(days=settings.OUTBOX_KEEP_DAYS + 1)
    expired, live = SessionStore(), SessionStore()
    for store in (expired, live):
        store.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=now - timedelta(minutes=1))
    old_sent = OutboundEmailFactory(status="sent", sent_at=long_ago, created_at=long_ago)
    old_failed = OutboundEmailFactory(status="failed", created_at=long_ago)
    new_sent = OutboundEmailFactory(status="sent", sent_at=now)
    AccessAttempt.objects.create(username="x", ip_address="127.0.0.1", failures_since_start=5)
    AccessAttempt.objects.update(attempt_time=now - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
    AccessLog.objects.create(username="x", ip_address="127.0.0.1")
    AccessLog.objects.update(attempt_time=now - timedelta(days=settings.LOCKOUT_KEEP_DAYS + 1))
    old_audit = AuditEvent.objects.create(actor=physio, clinic=clinic, action="view", model="x", path="/")
    AuditEvent.objects.filter(pk=old_audit.pk).update(at=now - timedelta(days=settings.AUDIT_KEEP_DAYS + 1))
    recent_audit = AuditEvent.objects.create(actor=physio, clinic=clinic, action="view", model="x", path="/")

    counts = clean_up(now=now)

    assert counts == {"sessions": 1, "lockouts": 2, "emails": 1, "audit_events": 1}
    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]
    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {old_failed.pk, new_sent.pk}
    assert not AccessAttempt.objects.exists() and not AccessLog.objects.exists()
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent_audit.pk]
    assert old_sent.pk not in set(OutboundEmail.objects.values_list("pk", flat=True))
