"""The outbox's use cases: queue an email, deliver it exactly once, sweep what was left behind."""

import functools
import json
import logging
import random
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.outbox.kinds import Cancel, get_kind
from portal.outbox.models import EmailOptOut, OutboundEmail
from portal.outbox.rendering import build_message, opted_out_groups

if TYPE_CHECKING:
    from portal.models import Clinic

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status

__all__ = [
    "cancel_pending_emails",
    "deliver_email",
    "deliver_emails",
    "opt_out",
    "queue_email",
    "queue_emails_in_bulk",
    "requeue_stale_emails",
    "retry_failed_emails",
]


@transaction.atomic
def queue_email(
    *, kind: str, to: str, key: str, context: dict, urgent: bool = False, clinic: "Clinic | None" = None
) -> OutboundEmail:
    """Queue one email; call it inside the transaction of the event that causes it.

    - `kind`: a name registered with `register_kind`; its templates are emails/<kind>-*.
    - `to`: the recipient's address.
    - `key`: the idempotency key, e.g. f"reminder:{patient.pk}:{day.isoformat()}". Queuing the same
      key again returns the existing row and sends nothing more, even from concurrent transactions.
    - `context`: ids and plain JSON values only, never health data; the kind loads the rest at send time.
    - `urgent`: never suppressed by an opt-out, and sent without an unsubscribe link.
    - `clinic`: the clinic the email belongs to, so only that clinic's admins see it in the outbox.

    The send task is enqueued when the transaction commits; if the broker is down then, the
    caller still succeeds and the beat sweeper sends the email once the broker is back.
    """
    get_kind(kind)
    try:
        context = json.loads(json.dumps(context))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"context": f"must hold only ids and plain values: {exc}"}) from exc
    now = timezone.now()
    row = OutboundEmail(key=key, kind=kind, recipient=to.strip().lower(), context=context, urgent=urgent, clinic=clinic)
    row.full_clean(validate_unique=False, validate_constraints=False)
    # get_or_create inserts in a savepoint and re-reads on IntegrityError: on PostgreSQL a concurrent
    # insert of the same key waits for the other transaction, then returns its row.
    row, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "kind": row.kind,
            "recipient": row.recipient,
            "context": row.context,
            "urgent": row.urgent,
            "clinic": row.clinic,
            "next_attempt_at": now,
            "queued_at": now,
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue_send(row.pk, urgent=row.urgent))
    return row


@dataclass(frozen=True)
class BulkEmail:
    kind: str
    to: str
    key: str
    context: dict
    clinic_id: int | None = None


@transaction.atomic
def queue_emails_in_bulk(emails: list["BulkEmail"]) -> list[int]:
    """Queue many non-urgent emails in one INSERT; keys already queued are skipped. Returns the new rows' ids.

    For fan-outs of thousands of rows: on commit, the new ids go on the broker in groups of
    OUTBOX_SEND_BATCH_SIZE, one `portal.outbox.send_batch` task per group, each delivered over one SMTP
    connection. If a task is lost, the sweeper sends its rows (their `queued_at` is set, so after
    OUTBOX_REQUEUE_AFTER_SECONDS).
    """
    if not emails:
        return []
    for email in emails:
        get_kind(email.kind)
    keys = [email.key for email in emails]
    known = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    now = timezone.now()
    rows = [
        OutboundEmail(
            key=email.key,
            kind=email.kind,
            recipient=email.to.strip().lower(),
            context=email.context,
            clinic_id=email.clinic_id,
            next_attempt_at=now,
            queued_at=now,
            created_at=now,
        )
        for email in emails
        if email.key not in known
    ]
    # A concurrent fan-out may insert the same keys: the unique key makes the second insert a no-op.
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    new_ids = list(
        OutboundEmail.objects.filter(key__in=[row.key for row in rows], created_at=now).values_list("pk", flat=True)
    )
    if new_ids:
        transaction.on_commit(lambda: enqueue_batch(new_ids))
    return new_ids


def enqueue_batch(email_ids: list[int], *, countdown: float | None = None) -> bool:
    """Put the send tasks for these rows on the broker, OUTBOX_SEND_BATCH_SIZE rows per message."""
    from portal.tasks import send_batch

    size = settings.OUTBOX_SEND_BATCH_SIZE
    chunks = [email_ids[start : start + size] for start in range(0, len(email_ids), size)]
    if countdown:
        due = timezone.now() + timedelta(seconds=countdown)
        OutboundEmail.objects.filter(pk__in=email_ids, status=Status.PENDING).update(queued_at=due)
    for number, chunk in enumerate(chunks):
        try:
            send_batch.apply_async(args=[chunk], countdown=countdown, retry_policy={"max_retries": 2})
        except Exception:
            left = [pk for chunk in chunks[number:] for pk in chunk]
            logger.exception("Could not enqueue %s emails; the sweeper will send them", len(left))
            OutboundEmail.objects.filter(pk__in=left, status=Status.PENDING).update(queued_at=None)
            return False
    return True


def queue_for(*, urgent: bool) -> str:
    """Urgent emails (alerts) have a queue and a worker of their own, so they never wait behind a fan-out."""
    return settings.OUTBOX_URGENT_QUEUE if urgent else settings.CELERY_TASK_DEFAULT_QUEUE


def enqueue_send(email_id: int, *, urgent: bool = False, countdown: float | None = None) -> bool:
    """Put the send task on the broker; a broker outage is logged and left to the sweeper."""
    from portal.tasks import send_email

    try:
        send_email.apply_async(
            args=[email_id], countdown=countdown, queue=queue_for(urgent=urgent), retry_policy={"max_retries": 2}
        )
    except Exception:
        # The row is committed; clearing queued_at makes the next sweep send it.
        logger.exception("Could not enqueue outbound email %s; the sweeper will send it", email_id)
        OutboundEmail.objects.filter(pk=email_id, status=Status.PENDING).update(queued_at=None)
        return False
    return True


@dataclass
class Outcome:
    status: str
    retry_in: float | None = None
    # The SMTP connection is unusable (server down, dropped, timed out): stop sending this group.
    connection_lost: bool = False
    # Not an SMTP answer: a bug or bad data. The row is failed with it; the caller raises it.
    error: Exception | None = None


SKIPPED = Outcome("skipped")


def deliver_email(*, email_id: int) -> Outcome:
    """Claim the row, render it, send it and record what happened. Safe to call any number of times."""
    outcome = deliver_emails([email_id]).get(email_id, SKIPPED)
    if outcome.error:
        raise outcome.error
    return outcome


def deliver_emails(email_ids: list[int]) -> dict[int, Outcome]:
    """Deliver a group of emails over one SMTP connection. Safe to call any number of times.

    The group's due pending rows are claimed together (one conditional UPDATE) and read with their recipients'
    opt-outs in two more queries; each email is then sent and recorded on its own, so a worker that dies
    mid-group leaves at most the one email it was sending in doubt, exactly as a single send would. The rows it
    had claimed but not tried stay claimed until the lease runs out (OUTBOX_BATCH_SECONDS is well inside it);
    the sweeper then sends them: they never left, so they go out once, counting the lost attempt. When the
    connection is lost, or the group has run for OUTBOX_BATCH_SECONDS, the rows not yet tried are given back
    (pending, their attempt undone), with a `retry_in` for the caller to enqueue them again (the sweeper is the
    safety net). A row that fails with a bug or bad data does not stop the others: its outcome carries the
    error for the caller to raise.
    """
    claim, rows = _claim(email_ids)
    outcomes: dict[int, Outcome] = dict.fromkeys(email_ids, SKIPPED)
    if not rows:
        return outcomes
    opt_outs = opted_out_groups({row.recipient for row in rows})
    connection = get_connection()
    deadline = time.monotonic() + settings.OUTBOX_BATCH_SECONDS
    try:
        for index, row in enumerate(rows):
            try:
                outcome = outcomes[row.pk] = _deliver_claimed(row, claim, connection, opt_outs)
            except Exception as exc:  # the row is failed with the error already; the others still go out
                outcome = outcomes[row.pk] = Outcome(Status.FAILED, error=exc)
            if outcome.connection_lost or time.monotonic() > deadline:
                rest = [row.pk for row in rows[index + 1 :]]
                _release(rest, claim)
                wait = outcome.retry_in or (backoff_seconds(1) if outcome.connection_lost else 0.0)
                outcomes.update(dict.fromkeys(rest, Outcome(Status.PENDING, retry_in=wait)))
                break
    finally:
        connection.close()
    return outcomes


def _claim(email_ids: list[int]) -> tuple[datetime, list[OutboundEmail]]:
    """Claim the due pending rows among `email_ids`: (the claim's time, the claimed rows in their order).

    One conditional UPDATE for the group, as a single claim is: a row another worker claimed first is no longer
    pending when this one reaches it. Its RETURNING says which rows this statement took, so no other worker's
    claim, even one made in the same microsecond, is ever mistaken for this one's.
    """
    now = timezone.now()
    ids = list(dict.fromkeys(email_ids))
    if not ids:
        return now, []
    table, pk, status, claimed_at, attempts, next_attempt_at = _columns(
        "id", "status", "claimed_at", "attempts", "next_attempt_at"
    )
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET {status} = %s, {claimed_at} = %s, {attempts} = {attempts} + 1"  # noqa: S608
        f" WHERE {pk} IN ({placeholders}) AND {status} = %s AND {next_attempt_at} <= %s RETURNING {pk}"
    )
    adapt = db_connection.ops.adapt_datetimefield_value
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [Status.SENDING.value, adapt(now), *ids, Status.PENDING.value, adapt(now)])
        claimed = {row[0] for row in cursor.fetchall()}
    rows = OutboundEmail.objects.select_related("clinic").in_bulk(claimed) if claimed else {}
    return now, [rows[pk] for pk in ids if pk in rows]


def _release(email_ids: list[int], claim: datetime) -> None:
    """Give back claimed rows that were not tried: pending again, their attempt undone."""
    if email_ids:
        OutboundEmail.objects.filter(pk__in=email_ids, status=Status.SENDING, claimed_at=claim).update(
            status=Status.PENDING, claimed_at=None, attempts=F("attempts") - 1
        )


def _still_mine(row: OutboundEmail, claim: datetime):
    """The row while this claim holds it (the sweeper may have given it to another worker after the lease)."""
    return OutboundEmail.objects.filter(pk=row.pk, status=Status.SENDING, claimed_at=claim)


def _deliver_claimed(row: OutboundEmail, claim: datetime, connection, opt_outs: dict[str, set[str]]) -> Outcome:
    try:
        message = build_message(row, opt_outs=opt_outs)
    except Cancel as cancel:
        _still_mine(row, claim).update(status=Status.CANCELLED, cancel_reason=str(cancel)[:200], claimed_at=None)
        logger.info("Outbound email %s cancelled: %s", row.pk, cancel)
        return Outcome(Status.CANCELLED)
    except Exception as exc:
        error = f"rendering failed: {exc!r}"[:2000]
        _still_mine(row, claim).update(status=Status.FAILED, last_error=error, claimed_at=None)
        raise
    message.connection = connection
    try:
        connection.open()  # a no-op while the connection is open; send() would close one it opened
        message.send()
    except Exception as exc:
        return _record_failure(row, _still_mine(row, claim), exc, connection)
    if not _mark_sent(row.pk, claim):
        logger.error("Outbound email %s was sent after its lease expired; it may go out twice", row.pk)
    return Outcome(Status.SENT)


@functools.cache
def _columns(*names: str) -> tuple[str, ...]:
    """The outbox table's quoted name, then its columns', for the two statements written as SQL (the values
    are always parameters)."""
    quote, meta = db_connection.ops.quote_name, OutboundEmail._meta
    return (quote(meta.db_table), *(quote(meta.get_field(name).column) for name in names))


def _mark_sent(email_id: int, claim: datetime) -> bool:
    """Record one sent email, if this claim still holds it. It runs once per email, straight after the SMTP
    server accepted it, so it is SQL written once: the ORM's update() costs three times the query it sends."""
    table, pk, status, sent_at, last_error, claimed_at = _columns("id", "status", "sent_at", "last_error", "claimed_at")
    sql = (
        f"UPDATE {table} SET {status} = %s, {sent_at} = %s, {last_error} = '', {claimed_at} = NULL"  # noqa: S608
        f" WHERE {pk} = %s AND {status} = %s AND {claimed_at} = %s"
    )
    adapt = db_connection.ops.adapt_datetimefield_value
    params = [Status.SENT.value, adapt(timezone.now()), email_id, Status.SENDING.value, adapt(claim)]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def is_temporary(exc: BaseException) -> bool:
    """SMTP 4xx, dropped connections and network errors are worth retrying; 5xx and bad addresses are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False
    return isinstance(exc, OSError)  # connection refused, reset, timeouts


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter in its upper half, capped."""
    ceiling = min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def is_connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, OSError | smtplib.SMTPServerDisconnected) or (
        isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421
    )


def _record_failure(row: OutboundEmail, mine, exc: Exception, connection) -> Outcome:
    """`row.attempts` counts this attempt: the claim added it."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    lost = is_connection_lost(exc)
    if lost:
        connection.close()
    if not is_temporary(exc):
        mine.update(status=Status.FAILED, last_error=error, claimed_at=None)
        logger.error("Outbound email %s failed permanently: %s", row.pk, error)
        if not isinstance(exc, OSError):
            raise exc  # not an SMTP answer: a bug or bad data, so let the worker report it
        return Outcome(Status.FAILED, connection_lost=lost)
    attempts = row.attempts
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, last_error=f"gave up after {attempts} attempts: {error}", claimed_at=None)
        logger.error("Outbound email %s failed after %s attempts: %s", row.pk, attempts, error)
        return Outcome(Status.FAILED, connection_lost=lost)
    delay = backoff_seconds(attempts)
    due = timezone.now() + timedelta(seconds=delay)
    mine.update(status=Status.PENDING, last_error=error, claimed_at=None, next_attempt_at=due, queued_at=due)
    logger.warning("Outbound email %s attempt %s failed, retrying in %.0fs: %s", row.pk, attempts, delay, error)
    return Outcome(Status.PENDING, retry_in=delay, connection_lost=lost)


def requeue_stale_emails(*, now: datetime | None = None) -> dict[str, int]:
    """The beat sweeper: recover rows whose worker died, then enqueue due rows whose task was lost.

    A row is re-enqueued only when no task was put on the broker for it recently, so a slow queue
    does not fill up with copies; a copy that does arrive finds the row claimed and does nothing.
    """
    now = now or timezone.now()
    lease_cutoff = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    stuck = OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=lease_cutoff)
    lost = "the worker stopped while sending (lease expired)"
    given_up = stuck.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.FAILED, claimed_at=None, last_error=lost
    )
    recovered = stuck.update(
        status=Status.PENDING, claimed_at=None, next_attempt_at=now, queued_at=None, last_error=lost
    )

    requeue_cutoff = now - timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    due = OutboundEmail.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=requeue_cutoff)
    )
    enqueued = 0
    for urgent_id in list(due.filter(urgent=True).values_list("pk", flat=True)[: settings.OUTBOX_SWEEP_BATCH_SIZE]):
        OutboundEmail.objects.filter(pk=urgent_id).update(queued_at=now)
        enqueued += enqueue_send(urgent_id, urgent=True)
    for _batch in range(settings.OUTBOX_SWEEP_MAX_BATCHES):
        ids = list(
            due.filter(urgent=False)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[: settings.OUTBOX_SWEEP_BATCH_SIZE]
        )
        if not ids:
            break
        OutboundEmail.objects.filter(pk__in=ids).update(queued_at=now)
        enqueued += len(ids) if enqueue_batch(ids) else 0
        if len(ids) < settings.OUTBOX_SWEEP_BATCH_SIZE:
            break
    counts = {"recovered": recovered, "given_up": given_up, "enqueued": enqueued}
    if any(counts.values()):
        logger.info("Outbox sweep: %s", counts)
    return counts


@transaction.atomic
def retry_failed_emails(*, ids: list[int]) -> int:
    """Send failed emails again, with a fresh attempt count."""
    now = timezone.now()
    retried = list(OutboundEmail.objects.filter(pk__in=ids, status=Status.FAILED).values_list("pk", "urgent"))
    OutboundEmail.objects.filter(pk__in=[pk for pk, _u in retried], status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now, queued_at=now
    )
    for pk, urgent in retried:
        transaction.on_commit(lambda pk=pk, urgent=urgent: enqueue_send(pk, urgent=urgent))
    return len(retried)


@transaction.atomic
def cancel_pending_emails(*, ids: list[int], reason: str) -> int:
    """Cancel emails not yet sent; one being sent right now is left alone."""
    return OutboundEmail.objects.filter(pk__in=ids, status=Status.PENDING).update(
        status=Status.CANCELLED, cancel_reason=reason[:200]
    )


@transaction.atomic
def opt_out(*, email: str, group: str) -> EmailOptOut:
    optout, _created = EmailOptOut.objects.get_or_create(email=email.strip().lower(), group=group)
    return optout
