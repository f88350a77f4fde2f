"""Celery tasks of the portal: thin wrappers around the outbox services. They take ids only."""

from portal.celery import app
from portal.housekeeping import clean_up
from portal.outbox import services


@app.task(name="portal.outbox.send", bind=True)
def send_email(self, email_id: int) -> str:
    outcome = services.deliver_email(email_id=email_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        # The row is already back to pending with its next attempt time; if this retry message is
        # lost, the sweeper sends the row when it is due.
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status


@app.task(name="portal.outbox.send_batch", bind=True)
def send_batch(self, email_ids: list[int]) -> int:
    """One broker message for a group of emails, delivered over one SMTP connection."""
    outcomes = services.deliver_emails(email_ids)
    later = {pk: outcome.retry_in for pk, outcome in outcomes.items() if outcome.retry_in is not None}
    if later and not self.request.is_eager:
        # Each row is due by then; if this message is lost, the sweeper sends the rows when due.
        services.enqueue_batch(list(later), countdown=max(later.values()))
    errors = [outcome.error for outcome in outcomes.values() if outcome.error]
    if errors:
        raise errors[0]  # a bug or bad data: the worker reports it; the rows are failed with it
    return sum(outcome.status == "sent" for outcome in outcomes.values())


@app.task(name="portal.outbox.sweep", bind=True)
def sweep_outbox(self) -> dict[str, int]:
    return services.requeue_stale_emails()


@app.task(name="portal.housekeeping", bind=True)
def housekeeping(self) -> dict[str, int]:
    return clean_up()
