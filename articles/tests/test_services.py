import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import services
from articles.models import Article, Revision
from articles.tests.factories import (
    ArticleFactory,
    ConditionFactory,
    ExerciseFactory,
    FAQFactory,
    ReferenceFactory,
    published_article,
    reviewed,
)
from portal.tests.test_clinician_profile import register

pytestmark = pytest.mark.django_db


def saved(author, **fields) -> Article:
    return services.save_article(article=ArticleFactory.build(**fields), user=author)


def test_save_renders_and_stores_sanitised_html_and_toc(editor):
    article = saved(editor, body="## Causes\n\n<script>alert(1)</script> text")
    article.refresh_from_db()
    assert '<h2 id="causes">Causes</h2>' in article.body_html
    assert "<script" not in article.body_html
    assert article.toc == [{"id": "causes", "title": "Causes", "level": 2}]
    assert article.author == editor


def test_save_refuses_a_body_naming_an_unknown_exercise(editor):
    with pytest.raises(ValidationError) as raised:
        saved(editor, body="{{exercise:made-up}}")
    assert "made-up" in raised.value.message_dict["body"][0]
    assert not Article.objects.exists()


def test_hero_image_without_alt_text_is_refused(editor):
    with pytest.raises(ValidationError) as raised:
        saved(editor, hero_image="articles/x.jpg", hero_alt=" ")
    assert "hero_alt" in raised.value.message_dict


def test_workflow_draft_review_publish_archive(editor, physio):
    article = saved(editor)
    services.submit_for_review(article=article, user=editor)
    assert article.status == Article.Status.IN_REVIEW
    reviewed(article, physio)
    services.publish_now(article=article, user=editor)
    assert article.status == Article.Status.PUBLISHED and article.published_at is not None
    assert Article.objects.published().get() == article
    services.archive(article=article, user=editor)
    assert not Article.objects.published().exists()


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("clinical_reviewer", "no clinical reviewer"),
        ("summary", "no summary"),
        ("next_review_due", "no next review date"),
    ],
)
def test_publishing_is_refused_with_a_clear_message_when_something_is_missing(editor, physio, missing, message):
    article = reviewed(saved(editor), physio)
    setattr(article, missing, "" if missing == "summary" else None)
    with pytest.raises(ValidationError) as raised:
        services.publish_now(article=article, user=editor)
    assert message in raised.value.messages[0]
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_only_clinical_reviewers_can_mark_reviewed(editor, physio, clinic_admin):
    article = saved(editor)
    for someone in (editor, clinic_admin):  # the clinic admin has the role's permission, but no registration
        with pytest.raises(PermissionDenied):
            services.mark_reviewed(article=article, user=someone)
    services.mark_reviewed(article=article, user=physio)
    assert article.clinical_reviewer == physio
    assert article.last_reviewed == timezone.localdate()
    assert article.next_review_due == timezone.localdate() + services.REVIEW_INTERVAL


def test_schedule_then_publish_due_publishes_only_what_is_due(editor, physio):
    soon, later = reviewed(saved(editor), physio), reviewed(saved(editor), physio)
    now = timezone.now()
    services.schedule(article=soon, user=editor, publish_at=now + datetime.timedelta(minutes=5))
    services.schedule(article=later, user=editor, publish_at=now + datetime.timedelta(days=5))
    assert not Article.objects.published().exists()
    assert services.publish_due(now=now + datetime.timedelta(minutes=10)) == 1
    assert services.publish_due(now=now + datetime.timedelta(minutes=10)) == 0
    soon.refresh_from_db(), later.refresh_from_db()
    assert soon.status == Article.Status.PUBLISHED and later.status == Article.Status.SCHEDULED
    assert soon.revisions.first().note == "Published on schedule"


def test_schedule_in_the_past_or_unreviewed_is_refused(editor, physio):
    article = saved(editor)
    with pytest.raises(ValidationError, match="no clinical reviewer"):
        services.schedule(article=article, user=editor, publish_at=timezone.now() + datetime.timedelta(days=1))
    reviewed(article, physio)
    with pytest.raises(ValidationError, match="in the future"):
        services.schedule(article=article, user=editor, publish_at=timezone.now() - datetime.timedelta(days=1))


def test_revisions_record_who_changed_what_and_restore_brings_content_back(editor, physio):
    article = saved(editor, title="First title", body="## Old\n\nold text")
    condition = ConditionFactory()
    article.conditions.set([condition])
    ReferenceFactory(article=article, title="Old reference")
    FAQFactory(article=article, question="Old question?")
    first = services.save_article(article=article, user=editor).revisions.first()  # with the rows added since
    article.title, article.body = "Second title", "## New\n\nnew text"

    def drop_related():
        article.conditions.clear()
        article.references.all().delete()

    services.save_article(article=article, user=physio, save_related=drop_related)
    second = article.revisions.first()
    assert {"title", "body", "conditions", "references"} <= set(second.changed_fields)
    assert second.created_by == physio and second.note == "Edited"

    services.restore_revision(revision=first, user=editor)
    article.refresh_from_db()
    assert article.title == "First title"
    assert '<h2 id="old">' in article.body_html
    assert list(article.conditions.all()) == [condition]
    assert [ref.title for ref in article.references.all()] == ["Old reference"]
    assert [faq.question for faq in article.faqs.all()] == ["Old question?"]
    assert Revision.objects.filter(article=article).count() == 4  # created, first, second, restored
    assert article.revisions.first().note.startswith("Restored the revision of")


def test_restore_keeps_the_workflow_state(editor, physio):
    article = published_article(reviewer=physio, author=editor, title="Live")
    revision = article.revisions.first()
    services.restore_revision(revision=revision, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.clinical_reviewer == physio


def test_review_due_lists_overdue_and_next_14_days_only(editor, physio):
    today = timezone.localdate()
    due = {days: reviewed(saved(editor, title=f"In {days}"), physio, days=days) for days in (1, 14, 15, 400)}
    Article.objects.filter(pk=due[1].pk).update(next_review_due=today - datetime.timedelta(days=3))
    assert set(Article.objects.review_due()) == {due[1], due[14]}


def test_review_reminders_email_each_reviewer_their_own_list(
    editor, physio, clinic_admin, smtp_server, django_capture_on_commit_callbacks
):
    register(clinic_admin)  # a clinic admin who is also a registered clinician
    mine = reviewed(saved(editor, title="Mine"), physio, days=3)
    reviewed(saved(editor, title="Not due"), physio, days=100)
    theirs = reviewed(saved(editor, title="Theirs <b>"), clinic_admin, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_review_reminders() == 2
    messages = {message["To"]: message for message in smtp_server.wait_for(2)}
    physio_mail = messages[physio.email]
    assert physio_mail["Subject"] == "1 article due for clinical review"
    assert physio_mail["List-Unsubscribe"] and physio_mail["Message-ID"]
    text = physio_mail.get_body(("plain",)).get_content()
    assert mine.title in text and "Not due" not in text and "Theirs" not in text
    html = messages[clinic_admin.email].get_body(("html",)).get_content()
    assert "Theirs &lt;b&gt;" in html
    assert f"/articles/article/{theirs.pk}/change/" in html


def test_review_reminders_go_to_each_reviewer_once_a_week(editor, physio, django_capture_on_commit_callbacks):
    reviewed(saved(editor, title="Mine"), physio, days=3)
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_review_reminders(today=monday) == 1
        assert services.send_review_reminders(today=monday + datetime.timedelta(days=2)) == 0
        assert services.send_review_reminders(today=monday + datetime.timedelta(days=7)) == 1
    assert len(mail.outbox) == 2


def test_embedding_a_known_exercise_is_accepted(editor):
    ExerciseFactory(slug="walking")
    article = saved(editor, body="{{exercise:walking}}")
    assert 'href="/exercises/walking/"' in article.body_html
