"""Thin Celery tasks of the patients app (run by beat, see CELERY_BEAT_SCHEDULE). No arguments, no personal
data: each is safe to re-run because every email and alert has an idempotency key."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from patients import followups, services

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_kwargs": {"max_retries": 3}}


@shared_task(name="patients.fan_out_reminders", **RETRY)
def fan_out_reminders() -> int:
    return followups.fan_out_reminders()


@shared_task(name="patients.fan_out_check_ins_due", **RETRY)
def fan_out_check_ins_due() -> int:
    return followups.fan_out_check_ins_due()


@shared_task(name="patients.fan_out_weekly_summaries", **RETRY)
def fan_out_weekly_summaries() -> int:
    return followups.fan_out_weekly_summaries()


@shared_task(name="patients.fan_out_physio_digests", **RETRY)
def fan_out_physio_digests() -> int:
    return followups.fan_out_physio_digests()


@shared_task(name="patients.check_inactivity", **RETRY)
def check_inactivity() -> int:
    return services.check_inactivity(now=timezone.now())


@shared_task(name="patients.escalate_alerts", **RETRY)
def escalate_alerts() -> int:
    return services.escalate_due_alerts()
