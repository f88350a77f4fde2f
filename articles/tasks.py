from celery import shared_task
from django.db import OperationalError

from articles import services


# Safe to re-run (each row is claimed), so a lost database connection is simply retried.
@shared_task(
    name="articles.publish_due",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def publish_due() -> int:
    return services.publish_due()


@shared_task(name="articles.send_review_reminders")
def send_review_reminders() -> int:
    return services.send_review_reminders()
