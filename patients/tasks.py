"""Celery tasks of the patients app: thin wrappers around services."""

from django.utils import timezone

from patients import services
from portal.celery import app


@app.task(name="patients.check_inactivity")
def check_inactivity() -> int:
    return services.check_inactivity(now=timezone.now())
