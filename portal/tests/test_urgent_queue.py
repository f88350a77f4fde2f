"""Alert emails have a Celery queue and a worker of their own: a fan-out's backlog never delays them.

A real broker (Redis, or RabbitMQ with TEST_BROKER_URL), real worker processes, a real SMTP server.
"""

import uuid

import pytest
from django.conf import settings
from django.db import transaction

from patients import services as patient_services
from portal.models import OutboundEmail
from portal.outbox import BulkEmail, queue_emails_in_bulk
from portal.outbox.services import requeue_stale_emails
from portal.tests.test_outbox_faults import queue_welcome
from testing.factories import StaffFactory
from testing.services import drop_queue, queue_length, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.worker]


def fan_out(count: int) -> list[int]:
    users = [StaffFactory(email=f"bulk{n}@test.example") for n in range(count)]
    with transaction.atomic():
        return queue_emails_in_bulk(
            [
                BulkEmail(kind="staff_welcome", to=u.email, key=f"staff_welcome:{u.pk}", context={"user_id": u.pk})
                for u in users
            ]
        )


@pytest.mark.broker
def test_urgent_emails_go_on_the_urgent_queue_and_bulk_ones_on_the_default(celery_app, patient):
    queue_welcome(StaffFactory(email="welcome@test.example"))
    with transaction.atomic():
        patient_services.report_red_flags(patient=patient, flags=["saddle_numbness"], token=uuid.uuid4(), source="t")

    assert queue_length(celery_app, settings.OUTBOX_URGENT_QUEUE) == 1
    assert queue_length(celery_app, settings.CELERY_TASK_DEFAULT_QUEUE) == 1


@pytest.mark.broker
def test_the_sweeper_puts_a_lost_urgent_email_back_on_the_urgent_queue(celery_app, patient):
    with transaction.atomic():
        patient_services.report_red_flags(patient=patient, flags=["leaking"], token=uuid.uuid4(), source="t")
    drop_queue(celery_app, settings.OUTBOX_URGENT_QUEUE)  # the broker lost the message
    OutboundEmail.objects.update(queued_at=None)

    assert requeue_stale_emails()["enqueued"] == 1
    assert queue_length(celery_app, settings.OUTBOX_URGENT_QUEUE) == 1
    assert queue_length(celery_app, settings.CELERY_TASK_DEFAULT_QUEUE) == 0


@pytest.mark.broker
def test_an_alert_is_delivered_while_a_fan_out_backlog_waits(celery_app, worker_process, smtp_server, patient, physio):
    backlog = fan_out(150)  # 3 group tasks of 50 waiting on the default queue, which no worker drains here
    worker_process("urgent", queues=settings.OUTBOX_URGENT_QUEUE)

    with transaction.atomic():
        patient_services.report_red_flags(patient=patient, flags=["both_legs_numb"], token=uuid.uuid4(), source="t")

    message = smtp_server.wait_for(1, timeout=30)[0]
    assert message["To"] == physio.email
    assert queue_length(celery_app, settings.CELERY_TASK_DEFAULT_QUEUE) == 3
    assert OutboundEmail.objects.filter(pk__in=backlog, status="pending").count() == 150

    worker_process("bulk", queues=settings.CELERY_TASK_DEFAULT_QUEUE)
    wait_until(lambda: OutboundEmail.objects.filter(pk__in=backlog, status="sent").count() == 150, 60, "the backlog")
