"""The outbox against the real things: Redis, Celery workers (threads and killable processes), aiosmtpd.

Each test states the fault matrix row it proves: emails expected, sent, lost, duplicated.
"""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import F

from portal.models import OutboundEmail
from portal.outbox import BulkEmail, queue_email, queue_emails_in_bulk
from portal.outbox.models import message_id_for
from portal.outbox.services import opt_out
from portal.tasks import send_email, sweep_outbox
from testing.factories import StaffFactory
from testing.services import _reset_connections, free_port, unreachable, wait_until

Status = OutboundEmail.Status
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.worker]


def queue_welcome(user) -> OutboundEmail:
    """The caller's transaction: the event and its email commit together."""
    with transaction.atomic():
        return queue_email(
            kind="staff_welcome", to=user.email, key=f"staff_welcome:{user.pk}", context={"user_id": user.pk}
        )


def queue_welcomes(users) -> list[int]:
    """A fan-out's transaction: many emails in one insert, sent in groups over one connection each."""
    with transaction.atomic():
        return queue_emails_in_bulk(
            [
                BulkEmail(
                    kind="staff_welcome", to=user.email, key=f"staff_welcome:{user.pk}", context={"user_id": user.pk}
                )
                for user in users
            ]
        )


def all_sent(ids: list[int]) -> bool:
    return OutboundEmail.objects.filter(pk__in=ids, status=Status.SENT).count() == len(ids)


def row_where(pk: int, **fields):
    return lambda: OutboundEmail.objects.filter(pk=pk, **fields).first()


def assert_delivered_once(mailbox, row: OutboundEmail, settle: float = 1.5) -> OutboundEmail:
    mailbox.wait_for(1)
    time.sleep(settle)  # long enough for a duplicate already on its way to arrive
    assert len(mailbox.messages) == 1, f"{len(mailbox.messages)} copies arrived"
    assert mailbox.messages[0]["Message-ID"] == message_id_for(row.key)
    return wait_until(row_where(row.pk, status=Status.SENT), what="row marked sent")


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.2
    settings.OUTBOX_RETRY_MAX_SECONDS = 1.0


@pytest.mark.broker
def test_worker_killed_while_sending_sends_exactly_once_after_a_new_worker_starts(
    smtp_server, worker_process, require_postgres
):
    """SIGKILL mid-send: expected 1, sent 1, lost 0, duplicated 0."""
    user = StaffFactory(email="new-staff@example.com")
    hold = smtp_server.hold_next()
    first = worker_process("doomed")
    row = queue_welcome(user)
    assert hold.arrived.wait(20), "the worker never reached the SMTP server"
    assert OutboundEmail.objects.get(pk=row.pk).status == Status.SENDING

    first.kill()
    hold.released.set()
    # The lease runs out: more time than any task may take passes on the clock the sweeper reads.
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    OutboundEmail.objects.filter(pk=row.pk).update(claimed_at=F("claimed_at") - lease)
    worker_process("replacement")
    sweep_outbox.delay()

    sent = assert_delivered_once(smtp_server, row)
    assert sent.attempts == 2
    assert smtp_server.messages[0]["To"] == "new-staff@example.com"


@pytest.mark.broker
def test_worker_killed_in_the_middle_of_a_group_sends_each_email_exactly_once(
    smtp_server, worker_process, require_postgres
):
    """SIGKILL on the 3rd email of 5 sent as one group: expected 5, sent 5, lost 0, duplicated 0.

    The group was claimed at once, so the two emails not yet tried wait for the lease like the one in doubt, and
    count the lost attempt too."""
    users = [StaffFactory(email=f"group{n}@example.com") for n in range(5)]
    hold = smtp_server.hold_next(after=2)
    first = worker_process("doomed")
    ids = queue_welcomes(users)
    assert hold.arrived.wait(20), "the worker never reached the third email"
    statuses = dict(OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == [Status.SENT] * 2 + [Status.SENDING] * 3

    first.kill()
    hold.released.set()
    # The lease and the re-enqueue window run out on the clock the sweeper reads.
    later = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + settings.OUTBOX_REQUEUE_AFTER_SECONDS + 1)
    OutboundEmail.objects.filter(pk__in=ids, status=Status.SENDING).update(claimed_at=F("claimed_at") - later)
    OutboundEmail.objects.filter(pk__in=ids, status=Status.PENDING).update(queued_at=F("queued_at") - later)
    worker_process("replacement")
    sweep_outbox.delay()

    smtp_server.wait_for(5)
    time.sleep(1.5)  # long enough for a duplicate already on its way to arrive
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(user.email for user in users)
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(
        message_id_for(f"staff_welcome:{user.pk}") for user in users
    )
    wait_until(lambda: all_sent(ids), what="every row marked sent")
    attempts = dict(OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "attempts"))
    assert [attempts[pk] for pk in ids] == [1, 1, 2, 2, 2]


def test_a_group_goes_out_over_one_connection(smtp_server, celery_worker, settings):
    """Fan-out delivery: 12 emails in groups of 5 use 3 SMTP connections, each email sent once."""
    settings.OUTBOX_SEND_BATCH_SIZE = 5
    users = [StaffFactory(email=f"bulk{n}@example.com") for n in range(12)]
    ids = queue_welcomes(users)
    smtp_server.wait_for(12)
    time.sleep(1)
    assert len(smtp_server.messages) == 12
    assert smtp_server.connections == 3
    wait_until(lambda: all_sent(ids), what="every row marked sent")


def test_smtp_server_down_during_a_group_tries_one_email_and_sends_all_when_it_is_back(
    smtp_server, celery_worker, fast_retries, settings
):
    """SMTP down for a group of 4: one attempt counted, the rest untouched; expected 4, sent 4, duplicated 0."""
    settings.EMAIL_PORT = free_port()  # nothing listens there
    ids = queue_welcomes([StaffFactory(email=f"down{n}@example.com") for n in range(4)])
    first = wait_until(row_where(ids[0], attempts=1, status=Status.PENDING), what="a deferred attempt")
    assert "ConnectionRefusedError" in first.last_error
    assert list(OutboundEmail.objects.filter(pk__in=ids[1:]).values_list("attempts", flat=True)) == [0, 0, 0]

    settings.EMAIL_PORT = smtp_server.port
    smtp_server.wait_for(4)
    time.sleep(1.5)
    assert len(smtp_server.messages) == 4
    wait_until(lambda: all_sent(ids), what="every row marked sent")


@pytest.mark.broker
def test_email_queued_while_the_broker_is_down_goes_out_once_it_is_back(
    smtp_server, celery_app, worker_process, caplog, require_postgres
):
    """Broker down at commit: expected 1, sent 1, lost 0, duplicated 0; the caller sees no error."""
    user = StaffFactory(email="while-down@example.com")
    broker_url = celery_app.conf.broker_url
    celery_app.conf.broker_url = unreachable(broker_url)
    _reset_connections(celery_app)

    started = time.monotonic()
    row = queue_welcome(user)  # commits; the enqueue on commit fails and must not raise
    assert time.monotonic() - started < 5
    row.refresh_from_db()
    assert (row.status, row.queued_at) == (Status.PENDING, None)
    assert "the sweeper will send it" in caplog.text

    celery_app.conf.broker_url = broker_url
    _reset_connections(celery_app)
    worker_process("after-outage")
    sweep_outbox.delay()  # what beat sends every minute

    assert assert_delivered_once(smtp_server, row).attempts == 1


@pytest.mark.broker
def test_admin_retry_while_the_broker_is_down_shows_no_error_and_leaves_the_row_to_the_sweeper(
    celery_app, client, superuser, require_postgres
):
    """The page a user acts on answers normally while the broker is down."""
    from testing.factories import OutboundEmailFactory

    row = OutboundEmailFactory(status=Status.FAILED, attempts=1)
    celery_app.conf.broker_url = unreachable(celery_app.conf.broker_url)
    _reset_connections(celery_app)
    client.force_login(superuser)

    page = client.post(
        "/admin/portal/outboundemail/", {"action": "retry_failed", "_selected_action": [row.pk]}, follow=True
    )

    assert page.status_code == 200
    assert "1 failed email(s) queued again." in page.content.decode()
    row.refresh_from_db()
    assert (row.status, row.queued_at) == (Status.PENDING, None)  # the next sweep enqueues it


def test_smtp_451_is_retried_later_and_then_sent(smtp_server, celery_worker, fast_retries):
    """SMTP 451: expected 1, sent 1, lost 0, duplicated 0."""
    smtp_server.reply.append("451 4.3.0 try again later")
    row = queue_welcome(StaffFactory())
    deferred = wait_until(row_where(row.pk, attempts__gte=1, status=Status.PENDING), what="a deferred attempt")
    assert "451" in deferred.last_error
    assert deferred.next_attempt_at > deferred.created_at
    smtp_server.reply.clear()

    sent = assert_delivered_once(smtp_server, row)
    assert sent.attempts >= 2 and sent.last_error == ""


def test_smtp_550_fails_without_retrying_and_shows_in_the_admin(smtp_server, celery_worker, fast_retries, client):
    """SMTP 550: expected 0 (refused), sent 0, retried 0, duplicated 0; the row is failed in the admin."""
    smtp_server.reply.append("550 5.1.1 mailbox unavailable")
    row = queue_welcome(StaffFactory(email="gone@example.com"))
    failed = wait_until(row_where(row.pk, status=Status.FAILED), what="the row to fail")
    assert "550" in failed.last_error

    sweep_outbox.delay()  # a sweep must not bring it back
    time.sleep(1.5)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)
    assert smtp_server.messages == []

    client.force_login(StaffFactory(is_superuser=True))
    page = client.get("/admin/portal/outboundemail/", {"status__exact": "failed"})
    assert page.status_code == 200
    assert "gone@example.com" in page.content.decode()


def test_smtp_server_down_is_retried_and_sent_when_it_is_back(smtp_server, celery_worker, fast_retries, settings):
    """SMTP down: expected 1, sent 1, lost 0, duplicated 0."""
    settings.EMAIL_PORT = free_port()  # nothing listens there
    row = queue_welcome(StaffFactory())
    deferred = wait_until(row_where(row.pk, attempts__gte=1, status=Status.PENDING), what="a deferred attempt")
    assert "ConnectionRefusedError" in deferred.last_error

    settings.EMAIL_PORT = smtp_server.port
    assert assert_delivered_once(smtp_server, row).attempts >= 2


@pytest.mark.broker
def test_same_email_enqueued_ten_times_to_two_racing_workers_is_sent_once(
    smtp_server, worker_process, require_postgres
):
    """Duplicate tasks and racing workers: expected 1, sent 1, lost 0, duplicated 0."""
    worker_process("racer-a")
    worker_process("racer-b")
    user = StaffFactory()
    rows = [queue_welcome(user) for _ in range(10)]  # the same key ten times: one row, one task
    assert len({row.pk for row in rows}) == 1
    row = rows[0]
    for _ in range(9):
        send_email.delay(row.pk)  # as if the broker delivered it again and again

    assert assert_delivered_once(smtp_server, row, settle=3).attempts == 1


def test_opted_out_recipient_gets_nothing_and_the_row_is_cancelled(smtp_server, celery_worker):
    """Opt-out before sending: expected 0, sent 0, the row cancelled with the reason."""
    user = StaffFactory(email="opted-out@example.com")
    opt_out(email=user.email, group="account")
    row = queue_welcome(user)
    cancelled = wait_until(row_where(row.pk, status=Status.CANCELLED), what="the row to be cancelled")
    assert cancelled.cancel_reason == "recipient opted out of account emails"
    time.sleep(0.5)
    assert smtp_server.messages == []
