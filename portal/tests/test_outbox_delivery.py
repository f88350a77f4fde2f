"""Group delivery (`deliver_emails`, what a fan-out's `send_batch` task runs) against a real SMTP server (aiosmtpd):
one claim for the whole group, one UPDATE per email to record it, and each email sent once however many workers
are given the same group."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.models import OutboundEmail
from portal.outbox.models import message_id_for
from portal.outbox.services import deliver_emails
from testing.factories import OutboundEmailFactory

Status = OutboundEmail.Status
SKIPPED = "skipped"


def received(mailbox) -> list[str]:
    """The Message-IDs the SMTP server accepted, one per copy."""
    return sorted(message["Message-ID"] for message in mailbox.messages)


def message_ids(rows) -> list[str]:
    return sorted(message_id_for(row.key) for row in rows)


def states(ids: list[int]) -> list[tuple[str, int, bool]]:
    """(status, attempts, claimed) of each row, in the order of `ids`."""
    found = {
        pk: (status, attempts, claimed_at is not None)
        for pk, status, attempts, claimed_at in (
            OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "status", "attempts", "claimed_at")
        )
    }
    return [found[pk] for pk in ids]


def test_a_group_is_claimed_at_once_and_each_email_costs_its_kinds_query_and_one_update(
    db, smtp_server, django_assert_max_num_queries
):
    rows = OutboundEmailFactory.create_batch(20)
    ids = [row.pk for row in rows]
    # The claim (one UPDATE, and the read of the rows it took) and the opt-outs; then per email the kind's
    # own query (staff_welcome loads the user) and the UPDATE that records it as sent. Claiming row by row
    # would add 20 more.
    with django_assert_max_num_queries(3 + 2 * len(rows)):
        outcomes = deliver_emails(ids)

    assert [outcomes[pk].status for pk in ids] == [Status.SENT] * len(rows)
    assert received(smtp_server) == message_ids(rows)
    assert states(ids) == [(Status.SENT, 1, False)] * len(rows)
    assert smtp_server.connections == 1


def test_rows_another_worker_claimed_are_left_to_it_and_a_repeated_group_sends_nothing_twice(db, smtp_server):
    rows = OutboundEmailFactory.create_batch(4)
    ids = [row.pk for row in rows]
    theirs, their_claim = rows[1], timezone.now()
    OutboundEmail.objects.filter(pk=theirs.pk).update(status=Status.SENDING, claimed_at=their_claim, attempts=1)

    first = deliver_emails(ids)
    again = deliver_emails(ids)  # the broker handed the group's message out twice

    assert [first[pk].status for pk in ids] == [Status.SENT, SKIPPED, Status.SENT, Status.SENT]
    assert [again[pk].status for pk in ids] == [SKIPPED] * 4
    assert received(smtp_server) == message_ids([rows[0], rows[2], rows[3]])
    theirs.refresh_from_db()
    assert (theirs.status, theirs.claimed_at, theirs.attempts) == (Status.SENDING, their_claim, 1)


def test_a_group_past_its_time_gives_back_the_rows_it_did_not_try(db, smtp_server, settings):
    settings.OUTBOX_BATCH_SECONDS = 0
    rows = OutboundEmailFactory.create_batch(3)
    ids = [row.pk for row in rows]

    outcomes = deliver_emails(ids)

    assert [(outcomes[pk].status, outcomes[pk].retry_in) for pk in ids] == [
        (Status.SENT, None),
        (Status.PENDING, 0.0),
        (Status.PENDING, 0.0),
    ]
    # Pending again and unclaimed, their attempt undone: the next group's claim finds them as they were.
    assert states(ids) == [(Status.SENT, 1, False), (Status.PENDING, 0, False), (Status.PENDING, 0, False)]
    assert received(smtp_server) == message_ids(rows[:1])


@pytest.mark.django_db(transaction=True)
def test_an_email_whose_lease_passed_to_another_worker_while_it_was_sent_keeps_the_other_workers_claim(
    smtp_server, caplog
):
    """The sweeper gave the row to another worker while this one was still sending it: the late success is
    logged, and the other worker's claim is left for that worker to record."""
    row = OutboundEmailFactory()
    other_claim = timezone.now() + timedelta(minutes=5)
    accept = smtp_server.receive

    def accept_after_the_lease_passed(data: bytes) -> None:
        accept(data)
        # aiosmtpd runs this inside its event loop, where Django refuses the ORM: a thread of its own does it.
        reclaim = threading.Thread(target=reclaim_row)
        reclaim.start()
        reclaim.join()

    def reclaim_row() -> None:
        OutboundEmail.objects.filter(pk=row.pk).update(claimed_at=other_claim, attempts=2)
        connection.close()

    smtp_server.receive = accept_after_the_lease_passed

    assert deliver_emails([row.pk])[row.pk].status == Status.SENT

    row.refresh_from_db()
    assert (row.status, row.claimed_at, row.attempts) == (Status.SENDING, other_claim, 2)
    assert "was sent after its lease expired" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_claiming_at_the_same_moment_is_left_to_it(smtp_server, require_postgres):
    """The other worker's claim is not committed yet when this group's claim reaches the row: the claim waits
    for it, finds the row no longer pending, and takes the others."""
    rows = OutboundEmailFactory.create_batch(3)
    ids = [row.pk for row in rows]
    claiming, results = threading.Event(), {}

    def other_worker() -> None:
        with transaction.atomic():
            OutboundEmail.objects.filter(pk=ids[1]).update(status=Status.SENDING, claimed_at=timezone.now())
            claiming.set()
            time.sleep(0.5)  # long enough for the group's claim to reach the row
        connection.close()

    def this_worker() -> None:
        try:
            results.update(deliver_emails(ids))
        finally:
            connection.close()

    other = threading.Thread(target=other_worker)
    other.start()
    assert claiming.wait(10)
    this = threading.Thread(target=this_worker)
    this.start()
    for thread in (other, this):
        thread.join(20)

    assert [results[pk].status for pk in ids] == [Status.SENT, SKIPPED, Status.SENT]
    assert received(smtp_server) == message_ids([rows[0], rows[2]])
    assert states(ids) == [(Status.SENT, 1, False), (Status.SENDING, 0, True), (Status.SENT, 1, False)]


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_group_at_once_send_each_email_once(smtp_server, require_postgres):
    rows = OutboundEmailFactory.create_batch(30)
    ids = [row.pk for row in rows]
    start, results = threading.Barrier(2), []

    def worker() -> None:
        start.wait(10)
        try:
            results.append(deliver_emails(ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert received(smtp_server) == message_ids(rows)
    sent = [[pk for pk, outcome in result.items() if outcome.status == Status.SENT] for result in results]
    assert sorted(sent[0] + sent[1]) == sorted(ids)
    assert states(ids) == [(Status.SENT, 1, False)] * len(rows)
