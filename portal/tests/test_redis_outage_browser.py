"""A Redis outage seen from Chromium: with the cache and the broker cut off, a patient logs in and records a
session with a red flag; once Redis is back, beat's outbox sweep hands the alert to a worker and the physio
receives it. PostgreSQL, a real SMTP server, a real Celery worker; the outage is a real network partition."""

import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from patients.models import RedFlagReport, SessionLog
from portal.models import OutboundEmail
from programs.services import assign_program
from programs.tests.factories import make_template
from testing.factories import PASSWORD
from testing.services import _reset_connections, login, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.worker]


def test_a_patient_logs_a_session_during_a_redis_outage_and_the_alert_goes_out_when_it_is_back(
    browser_page, live_server, settings, redis_link, celery_app, smtp_server, require_postgres, patient, physio
):
    settings.SITE_URL = live_server.url
    template = make_template(phases=1, items_per_phase=1)
    template.phases.first().items.update(days_per_week=7)
    assign_program(patient=patient, physio=physio, template=template, start_date=timezone.localdate())
    celery_app.conf.broker_url = redis_link.url(15)  # the broker behind the same link as the cache
    _reset_connections(celery_app)
    redis_link.cut()

    page = browser_page
    login(page, patient.user.email, PASSWORD)
    page.goto("/my/")
    page.get_by_role("checkbox", name=re.compile(r"^I did ")).first.check()
    page.get_by_label("Pain before you started").fill("5")
    page.get_by_label("Pain after you finished").fill("4")
    page.get_by_role("radio", name="About right").check()
    page.get_by_role("checkbox", name=re.compile("^Numbness, pins and needles or weakness in both legs")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save my session").click()

    assert page.get_by_role("heading", name="Session saved").is_visible()
    assert page.get_by_role("heading", name="Get emergency help now").is_visible()
    assert SessionLog.objects.filter(patient=patient).count() == 1
    assert RedFlagReport.objects.filter(patient=patient).count() == 1
    alert_email = OutboundEmail.objects.get(kind="alert")
    assert (alert_email.status, alert_email.queued_at) == ("pending", None)  # the broker refused it

    redis_link.restore()
    time.sleep(0.2)
    with start_worker(
        celery_app,
        pool="solo",
        perform_ping_check=False,
        queues=[settings.CELERY_TASK_DEFAULT_QUEUE, settings.OUTBOX_URGENT_QUEUE],
    ):
        celery_app.send_task("portal.outbox.sweep")  # what beat sends every minute
        (message,) = smtp_server.wait_for(1, timeout=30)
        wait_until(lambda: OutboundEmail.objects.filter(pk=alert_email.pk, status="sent").exists(), what="marked sent")

    assert message["To"] == physio.email
    assert message["Subject"] == "Critical: a patient needs your attention"
