"""The outbox's use cases, with emails captured by Django's locmem backend and tasks run in-process."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from portal.models import OutboundEmail
from portal.outbox import queue_email
from portal.outbox.models import message_id_for
from portal.outbox.services import (
    backoff_seconds,
    deliver_email,
    is_temporary,
    opt_out,
    requeue_stale_emails,
)
from testing.factories import OutboundEmailFactory, StaffFactory

Status = OutboundEmail.Status


def welcome(user, key=None, **kwargs) -> OutboundEmail:
    key = key or f"staff_welcome:{user.pk}"
    return queue_email(kind="staff_welcome", to=user.email, key=key, context={"user_id": user.pk}, **kwargs)


def test_queued_email_is_sent_after_commit_with_both_versions_and_the_derived_message_id(
    physio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = welcome(physio, clinic=physio.clinic)
        assert mail.outbox == []  # nothing leaves before the transaction commits

    [message] = mail.outbox
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1 and row.sent_at
    assert message.to == ["physio@test.example"]
    assert message.subject == "Your Riverside staff account is ready"
    assert message.extra_headers["Message-ID"] == message_id_for(f"staff_welcome:{physio.pk}")
    assert "Riverside" in message.body and "/accounts/login/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "Riverside" in html and "&amp;" not in message.body


def test_the_same_key_queued_twice_is_one_row_and_one_email(physio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = welcome(physio)
        second = welcome(physio)
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_message_id_depends_only_on_the_key():
    assert message_id_for("reminder:1:2026-11-25") == message_id_for("reminder:1:2026-11-25")
    assert message_id_for("reminder:1:2026-11-25") != message_id_for("reminder:1:2026-11-26")
    assert message_id_for("k").endswith("@clinic.example>")


def test_non_urgent_email_carries_a_one_click_unsubscribe_header(physio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        welcome(physio)
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe"].startswith(f"<{settings.SITE_URL}/email/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_opted_out_recipient_gets_nothing_and_the_row_says_why(physio, django_capture_on_commit_callbacks):
    opt_out(email="Physio@Test.example", group="account")
    with django_capture_on_commit_callbacks(execute=True):
        row = welcome(physio)
    row.refresh_from_db()
    assert mail.outbox == []
    assert row.status == Status.CANCELLED
    assert row.cancel_reason == "recipient opted out of account emails"


def test_urgent_email_is_sent_despite_an_opt_out_and_has_no_unsubscribe_link(
    physio, django_capture_on_commit_callbacks
):
    opt_out(email=physio.email, group="account")
    with django_capture_on_commit_callbacks(execute=True):
        row = welcome(physio, urgent=True)
    row.refresh_from_db()
    assert row.status == Status.SENT
    [message] = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "/email/unsubscribe/" not in message.body


def test_kind_cancels_the_email_when_the_account_was_deactivated(physio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = welcome(physio)
        physio.is_active = False
        physio.save()
    row.refresh_from_db()
    assert mail.outbox == []
    assert (row.status, row.cancel_reason) == (Status.CANCELLED, "the account is deactivated")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"context": {"when": timezone.now()}}, ValidationError),
        ({"to": "not an address"}, ValidationError),
        ({"kind": "no_such_kind"}, ImproperlyConfigured),
    ],
)
def test_queue_email_refuses_bad_input(db, kwargs, error):
    arguments = {"kind": "staff_welcome", "to": "a@example.com", "key": "k", "context": {"user_id": 1}} | kwargs
    with pytest.raises(error):
        queue_email(**arguments)
    assert not OutboundEmail.objects.exists()


def test_a_row_not_yet_due_or_already_sent_is_not_sent(db):
    later = OutboundEmailFactory(next_attempt_at=timezone.now() + timedelta(minutes=5))
    sent = OutboundEmailFactory(status=Status.SENT, sent_at=timezone.now(), attempts=1)
    assert deliver_email(email_id=later.pk).status == "skipped"
    assert deliver_email(email_id=sent.pk).status == "skipped"
    assert mail.outbox == []


def test_sweeper_recovers_a_row_whose_worker_died_after_the_lease_only(db):
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    dead = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=now - lease - timedelta(seconds=1))
    busy = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=now - lease + timedelta(seconds=30))

    counts = requeue_stale_emails()

    dead.refresh_from_db()
    busy.refresh_from_db()
    assert counts == {"recovered": 1, "given_up": 0, "enqueued": 1}
    assert (dead.status, dead.attempts) == (Status.SENT, 2)  # tasks run in-process here
    assert busy.status == Status.SENDING
    assert [m.to for m in mail.outbox] == [[dead.recipient]]


def test_sweeper_leaves_rows_that_were_just_enqueued(db):
    OutboundEmailFactory(queued_at=timezone.now())
    assert requeue_stale_emails()["enqueued"] == 0
    assert mail.outbox == []


def test_sweeper_gives_up_on_a_dead_worker_row_out_of_attempts(db):
    old = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    row = OutboundEmailFactory(status=Status.SENDING, attempts=settings.OUTBOX_MAX_ATTEMPTS, claimed_at=old)
    assert requeue_stale_emails()["given_up"] == 1
    row.refresh_from_db()
    assert row.status == Status.FAILED and "lease expired" in row.last_error


@pytest.mark.parametrize(
    ("exc", "temporary"),
    [
        (smtplib.SMTPDataError(451, b"try later"), True),
        (smtplib.SMTPDataError(550, b"mailbox unavailable"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), False),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (ValueError("Invalid address"), False),
    ],
)
def test_failures_are_told_apart(exc, temporary):
    assert is_temporary(exc) is temporary


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 60, 3600
    delays = [backoff_seconds(attempt) for attempt in (1, 2, 3)]
    assert 30 <= delays[0] <= 60 and 60 <= delays[1] <= 120 and 120 <= delays[2] <= 240
    assert len({backoff_seconds(1) for _ in range(20)}) > 1
    assert 1800 <= backoff_seconds(30) <= 3600


def test_smtp_down_retries_until_the_attempts_run_out(db, settings, django_capture_on_commit_callbacks):
    from testing.services import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    row = OutboundEmailFactory(attempts=settings.OUTBOX_MAX_ATTEMPTS - 1)
    assert deliver_email(email_id=row.pk).status == Status.FAILED
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error.startswith(f"gave up after {settings.OUTBOX_MAX_ATTEMPTS} attempts: ConnectionRefusedError")


def test_beat_runs_the_outbox_sweeper_every_minute_with_a_lease_longer_than_any_task():
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "portal.outbox.sweep"]
    assert entry["schedule"] <= 60
    assert settings.OUTBOX_LEASE_SECONDS > settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_queuing_the_same_key_make_one_row(require_postgres):
    user = StaffFactory()
    inserted, results = threading.Event(), {}

    def first():
        with transaction.atomic():
            results["first"] = welcome(user).pk
            inserted.set()
            threading.Event().wait(0.5)  # hold the uncommitted row while the second one tries
        connection.close()

    def second():
        inserted.wait(5)
        with transaction.atomic():
            results["second"] = welcome(user).pk
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results["first"] == results["second"]
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_broken_row_in_a_group_fails_alone_and_its_error_reaches_the_worker(db):
    from portal.tasks import send_batch

    good = OutboundEmailFactory(), OutboundEmailFactory()
    broken = OutboundEmailFactory(context={})  # the kind reads context["user_id"]: a bug in the data
    ids = [good[0].pk, broken.pk, good[1].pk]

    with pytest.raises(KeyError):
        send_batch.apply(args=[ids]).get()

    assert sorted(message.to[0] for message in mail.outbox) == sorted(row.recipient for row in good)
    statuses = dict(OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {good[0].pk: Status.SENT, broken.pk: Status.FAILED, good[1].pk: Status.SENT}
    assert "KeyError" in OutboundEmail.objects.get(pk=broken.pk).last_error
