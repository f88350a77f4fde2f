from celery import shared_task

from articles import services


@shared_task(name="articles.publish_due")
def publish_due() -> int:
    return services.publish_due()


@shared_task(name="articles.send_review_reminders")
def send_review_reminders() -> int:
    return services.send_review_reminders()
