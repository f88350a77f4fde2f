"""Reviewed means reviewed: a live article keeps the text a clinician approved until a clinician approves a change.
Every path that writes an article is tried against it: the admin form and its FAQ rows, the service, the list's
actions, a revision restore and the demo import."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import demo, services
from articles.models import FAQ, Article
from articles.tests.factories import ArticleFactory, FAQFactory, published_article, reviewed
from articles.tests.test_admin import form_data

pytestmark = pytest.mark.django_db
CALL = "call 999 or go to A&E"
CALL_HTML = CALL.replace("&", "&amp;")
ROUTINE = "book a routine appointment with your GP"
CHANGE = "/admin/articles/article/{}/change/"


@pytest.fixture
def live(editor, physio):
    article = published_article(
        reviewer=physio, author=editor, slug="numb-legs", title="Numb legs", body=f"If both legs go numb, {CALL}."
    )
    FAQFactory(article=article, question="Is it urgent?", answer=f"Yes: {CALL}.")
    Article.objects.filter(pk=article.pk).update(last_reviewed=timezone.localdate() - datetime.timedelta(days=90))
    article.refresh_from_db()
    return article


def assert_live_text_unchanged(article: Article, reviewed_on: datetime.date) -> None:
    article.refresh_from_db()
    assert CALL in article.body and ROUTINE not in article.body and CALL_HTML in article.body_html
    assert list(article.faqs.values_list("answer", flat=True)) == [f"Yes: {CALL}."]
    assert article.last_reviewed == reviewed_on


def test_the_service_refuses_to_change_a_live_articles_text(live, editor):
    reviewed_on = live.last_reviewed
    live.body = live.body.replace(CALL, ROUTINE)
    with pytest.raises(ValidationError, match="working copy"):
        services.save_article(article=live, user=editor)
    assert_live_text_unchanged(live, reviewed_on)


def test_a_changed_faq_answer_is_refused_too(live, editor):
    def related():
        FAQ.objects.filter(article=live).update(answer=ROUTINE)

    with pytest.raises(ValidationError, match="working copy"):
        services.save_article(article=live, user=editor, save_related=related)
    assert_live_text_unchanged(live, live.last_reviewed)


def test_the_admin_form_leaves_the_live_text_and_faqs_as_approved(client, live, editor):
    client.force_login(editor)
    reviewed_on = live.last_reviewed
    faq = live.faqs.get()
    response = client.post(
        CHANGE.format(live.pk),
        form_data(
            title="Numb legs",
            slug="numb-legs",
            body=live.body.replace(CALL, ROUTINE),
            **{
                "faqs-TOTAL_FORMS": "1",
                "faqs-INITIAL_FORMS": "1",
                "faqs-0-id": str(faq.pk),
                "faqs-0-article": str(live.pk),
                "faqs-0-question": "Is it urgent?",
                "faqs-0-answer": ROUTINE,
                "faqs-0-position": "0",
            },
        ),
    )
    assert response.status_code == 302
    assert_live_text_unchanged(live, reviewed_on)
    page = client.get(CHANGE.format(live.pk)).content.decode()
    assert "Edit a working copy" in page and 'name="body"' not in page


def test_actions_and_restores_do_not_change_live_text(client, live, editor, physio):
    reviewed_on = live.last_reviewed
    old = live.revisions.last()  # the first revision: same text, but restoring a live article goes to a copy
    copy = services.start_working_copy(article=live, user=editor)
    copy.body = copy.body.replace(CALL, ROUTINE)
    services.save_article(article=copy, user=editor)
    for action in ("submit_for_review", "publish_now", "schedule", "mark_reviewed", "archive"):
        client.force_login(physio)
        client.post("/admin/articles/article/", {"action": action, "_selected_action": [copy.pk]})
    assert_live_text_unchanged(live, reviewed_on)
    assert Article.objects.get(pk=copy.pk).status == Article.Status.DRAFT  # no action published the copy

    client.force_login(editor)
    response = client.post(f"/admin/articles/article/{live.pk}/revisions/{old.pk}/restore/")
    assert response.status_code == 302 and response["Location"] == CHANGE.format(copy.pk)
    assert_live_text_unchanged(live, reviewed_on)


def test_the_demo_import_leaves_live_text_as_approved(live, editor):
    demo._article("numb-legs", author=editor, title="Numb legs", summary="", body=f"If numb, {ROUTINE}.")
    assert_live_text_unchanged(live, live.last_reviewed)


def test_a_clinician_approves_the_working_copy_and_the_live_article_takes_it(client, live, editor, physio):
    client.force_login(editor)
    response = client.post(f"/admin/articles/article/{live.pk}/working-copy/")
    copy = Article.objects.get(working_copy_of=live)
    assert response["Location"] == CHANGE.format(copy.pk)
    assert (copy.body, copy.status, copy.clinical_reviewer) == (live.body, Article.Status.DRAFT, None)
    assert list(copy.faqs.values_list("answer", flat=True)) == [f"Yes: {CALL}."]
    copy.body = copy.body.replace(CALL, ROUTINE)
    services.save_article(article=copy, user=editor)
    assert CALL_HTML in client.get(live.get_absolute_url()).content.decode()  # the public page: the approved text

    changes = client.get(f"/admin/articles/article/{copy.pk}/changes/").content.decode()
    assert "Approve and make live" not in changes  # an editor cannot approve
    with pytest.raises(PermissionDenied):
        services.approve_working_copy(article=copy, user=editor)

    client.force_login(physio)
    changes = client.get(f"/admin/articles/article/{copy.pk}/changes/").content.decode()
    assert "<del>call 999 or go to A&amp;E.</del><ins>book a routine appointment with your GP.</ins>" in changes
    assert "Approve and make live" in changes
    response = client.post(f"/admin/articles/article/{copy.pk}/changes/")
    assert response["Location"] == CHANGE.format(live.pk)

    live.refresh_from_db()
    assert ROUTINE in live.body and ROUTINE in live.body_html
    assert (live.last_reviewed, live.clinical_reviewer) == (timezone.localdate(), physio)
    assert not Article.objects.filter(working_copy_of=live).exists()
    latest = live.revisions.first()
    assert (latest.created_by, latest.approved_by) == (editor, physio)
    public = client.get(live.get_absolute_url()).content.decode()
    assert ROUTINE in public and f'<time datetime="{timezone.localdate():%Y-%m-%d}">' in public


def test_reviewed_text_that_is_not_live_yet_needs_review_again(editor, physio):
    article = services.save_article(article=ArticleFactory.build(body="Rest a little."), user=editor)
    reviewed(article, physio)
    article.body = "Rest for a week."
    services.save_article(article=article, user=editor)
    article.refresh_from_db()
    assert article.clinical_reviewer is None and article.last_reviewed is None
    with pytest.raises(ValidationError, match="no clinical reviewer"):
        services.publish_now(article=article, user=editor)


def test_the_word_diff_escapes_what_it_shows():
    from portal.diff import word_diff

    shown = word_diff("Rest <b>well</b>.", "Rest <script>x()</script> well.")
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "<ins>" in shown and "<del>" in shown


def test_a_browsers_line_endings_are_not_a_change(editor, physio):
    article = services.save_article(article=ArticleFactory.build(body="Rest.\n\nWalk."), user=editor)
    reviewed(article, physio)
    article.body = "Rest.\r\n\r\nWalk."  # as a textarea posts it
    services.save_article(article=article, user=editor)
    article.refresh_from_db()
    assert article.clinical_reviewer == physio and article.body == "Rest.\n\nWalk."
