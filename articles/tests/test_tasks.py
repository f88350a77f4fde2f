import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from articles import services, tasks
from articles.models import Article
from articles.tests.factories import ArticleFactory, reviewed
from testing.services import wait_until


def test_beat_runs_the_publisher_and_the_weekly_review_reminders():
    tasks_in_beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"articles.publish_due", "articles.send_review_reminders"} <= tasks_in_beat
    assert tasks.publish_due.name == "articles.publish_due"


@pytest.mark.worker
def test_publish_due_task_runs_on_a_real_worker(celery_worker, editor, physio):
    article = reviewed(services.save_article(article=ArticleFactory.build(), user=editor), physio)
    services.schedule(article=article, user=editor, publish_at=timezone.now() + datetime.timedelta(minutes=1))
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - datetime.timedelta(seconds=1))
    tasks.publish_due.delay()
    wait_until(lambda: Article.objects.published().filter(pk=article.pk).exists(), what="the worker to publish it")


def test_review_reminder_task_sends_through_smtp(db, smtp_server, editor, physio, django_capture_on_commit_callbacks):
    reviewed(services.save_article(article=ArticleFactory.build(title="Due"), user=editor), physio, days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_review_reminders.apply().get() == 1
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == physio.email and "Due" in message.get_body(("plain",)).get_content()
