"""What the portal stops keeping: run daily by beat (`portal.housekeeping`). Each kind of row is deleted in
batches, so a first run over years of rows never holds one long transaction.

Kept: audit events for AUDIT_KEEP_DAYS (eight years by default: as long as clinical records); delivered or
cancelled emails for OUTBOX_KEEP_DAYS; login lockout records for LOCKOUT_KEEP_DAYS. Sessions go when they
expire. Pending, sending and failed emails are never deleted: they are still someone's job.
"""

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from portal.models import AuditEvent, OutboundEmail

BATCH = 10_000


def _delete_in_batches(queryset: QuerySet) -> int:
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]


def clean_up(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    days = timedelta(days=1)
    lockouts = now - settings.LOCKOUT_KEEP_DAYS * days
    done = OutboundEmail.objects.filter(
        status__in=[OutboundEmail.Status.SENT, OutboundEmail.Status.CANCELLED],
        created_at__lt=now - settings.OUTBOX_KEEP_DAYS * days,
    )
    return {
        "sessions": _delete_in_batches(Session.objects.filter(expire_date__lt=now)),
        "lockouts": _delete_in_batches(AccessAttempt.objects.filter(attempt_time__lt=now - settings.AXES_COOLOFF_TIME))
        + _delete_in_batches(AccessLog.objects.filter(attempt_time__lt=lockouts))
        + _delete_in_batches(AccessFailureLog.objects.filter(attempt_time__lt=lockouts)),
        "emails": _delete_in_batches(done),
        "audit_events": _delete_in_batches(AuditEvent.objects.filter(at__lt=now - settings.AUDIT_KEEP_DAYS * days)),
    }
