import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import ArticleFactory, ExerciseFactory, TagFactory, published_article, reviewed
from programs.tests.factories import png_bytes

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


def draft(editor, **fields) -> Article:
    return services.save_article(article=ArticleFactory.build(**fields), user=editor)


def as_user(person):
    return getattr(person, "user", person)  # the patient fixture is a Patient profile


def form_data(**fields) -> dict:
    data = {
        "title": "Walking for back pain",
        "slug": "walking-for-back-pain",
        "summary": "Why walking helps.",
        "body": "## Start small\n\nWalk a little every day.\n\n{{exercise:walking}}",
        "hero_alt": "",
        "publish_at_0": "",
        "publish_at_1": "",
    }
    for prefix in ("faqs", "references"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("user", "status"),
    [("editor", 200), ("physio", 200), ("clinic_admin", 200), ("superuser", 200), ("patient", 302), (None, 302)],
)
def test_article_admin_permission_table(client, request, user, status):
    if user:
        client.force_login(as_user(request.getfixturevalue(user)))
    assert client.get(CHANGELIST).status_code == status


def test_changelist_highlights_overdue_reviews_with_a_css_class(client, editor, physio):
    article = reviewed(draft(editor, title="Old advice"), physio)
    Article.objects.filter(pk=article.pk).update(next_review_due=timezone.localdate() - datetime.timedelta(days=2))
    client.force_login(editor)
    html = client.get(CHANGELIST).content.decode()
    assert '<span class="review-overdue">' in html and "(overdue)" in html
    assert 'style="' not in html.split('id="result_list"')[1].split("</table>")[0]


def test_editor_creates_an_article_through_the_form_and_a_revision_is_kept(client, editor):
    ExerciseFactory(slug="walking")
    client.force_login(editor)
    response = client.post(f"{CHANGELIST}add/", form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="walking-for-back-pain")
    assert 'href="/exercises/walking/"' in article.body_html
    assert article.author == editor and article.status == Article.Status.DRAFT
    revision = article.revisions.get()
    assert revision.created_by == editor and revision.snapshot["title"] == "Walking for back pain"


def test_one_admin_save_is_one_revision_with_the_inline_rows_and_tags_in_it(client, editor):
    ExerciseFactory(slug="walking")
    tag = TagFactory(name="Walking")
    client.force_login(editor)
    faq = {
        "faqs-TOTAL_FORMS": "1",
        "faqs-0-question": "How far?",
        "faqs-0-answer": "Start small.",
        "faqs-0-position": "0",
    }
    response = client.post(f"{CHANGELIST}add/", form_data(tags=[tag.pk], **faq))
    assert response.status_code == 302, response.content.decode()[:3000]
    revision = Article.objects.get(slug="walking-for-back-pain").revisions.get()
    assert revision.snapshot["tags"] == [tag.pk] and revision.note == "Created"
    assert [row["question"] for row in revision.snapshot["faqs"]] == ["How far?"]


def test_unknown_exercise_slug_is_shown_as_an_error_and_the_text_kept(client, editor):
    client.force_login(editor)
    response = client.post(f"{CHANGELIST}add/", form_data(body="{{exercise:no-such-stretch}}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No exercise in the library has the slug: no-such-stretch" in html
    assert "{{exercise:no-such-stretch}}</textarea>" in html
    assert not Article.objects.exists()


def test_a_body_past_the_limit_is_refused_and_nothing_is_saved(client, editor):
    client.force_login(editor)
    body = "![" * 40_000  # 80,000 characters that take seconds to parse

    response = client.post(f"{CHANGELIST}add/", form_data(body=body))

    assert response.status_code == 200
    assert "at most 60000 characters" in response.content.decode()
    assert not Article.objects.exists()
    with pytest.raises(ValidationError, match="at most 60,000 characters"):
        services.validate_body(body)


def test_a_hero_image_is_checked_by_its_content_and_re_encoded(client, editor):
    ExerciseFactory(slug="walking")
    client.force_login(editor)
    polyglot = SimpleUploadedFile("hero.png", png_bytes() + b"<html><script>alert(1)</script>", "image/png")
    response = client.post(f"{CHANGELIST}add/", {**form_data(hero_alt="A person stretching"), "hero_image": polyglot})
    assert response.status_code == 302
    stored = Article.objects.get().hero_image.read()
    assert b"<script>" not in stored

    fake = SimpleUploadedFile("hero2.png", b"<html>not a picture</html>", "image/png")
    refused = client.post(f"{CHANGELIST}add/", {**form_data(slug="another", hero_alt="x"), "hero_image": fake})
    assert refused.status_code == 200 and "Upload a valid image" in refused.content.decode()


def test_change_form_shows_word_count_and_reading_ease(client, editor):
    article = draft(editor, body="The cat sat on the mat. It was warm.")
    client.force_login(editor)
    html = client.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    assert "<strong data-word-count>9</strong>" in html
    assert "Flesch reading ease" in html and "easy to read" in html
    assert "articles/content-checks.js" in html


def _action(client, action: str, *articles):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [a.pk for a in articles]}, follow=True
    ).content.decode()


def test_publish_action_refuses_unreviewed_with_a_clear_message(client, editor):
    article = draft(editor, title="Not yet reviewed")
    client.force_login(editor)
    html = _action(client, "publish_now", article)
    assert "“Not yet reviewed” cannot be published: it has no clinical reviewer" in html
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_actions_run_the_workflow_and_report_counts(client, editor, physio):
    first, second = draft(editor), draft(editor)
    client.force_login(editor)
    assert "2 articles submitted for review." in _action(client, "submit_for_review", first, second)
    client.force_login(physio)
    assert "2 articles marked reviewed." in _action(client, "mark_reviewed", first, second)
    client.force_login(editor)
    assert "2 articles published." in _action(client, "publish_now", first, second)
    assert "1 article archived." in _action(client, "archive", second)
    statuses = dict(Article.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "published", second.pk: "archived"}


def test_schedule_action_uses_the_publish_at_field(client, editor, physio):
    article = reviewed(draft(editor), physio)
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() + datetime.timedelta(days=1))
    client.force_login(editor)
    assert "1 article scheduled." in _action(client, "schedule", article)
    article.refresh_from_db()
    assert article.status == Article.Status.SCHEDULED


def test_editor_cannot_run_mark_reviewed_and_physio_cannot_publish(client, editor, physio):
    article = draft(editor)
    client.force_login(editor)
    _action(client, "mark_reviewed", article)
    article.refresh_from_db()
    assert article.clinical_reviewer is None
    reviewed(article, physio)
    client.force_login(physio)  # view-only on articles: no publish action
    _action(client, "publish_now", article)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize(("user", "status"), [("editor", 200), ("physio", 200), ("patient", 302), (None, 302)])
def test_draft_preview_is_for_staff_only(client, request, editor, user, status):
    article = draft(editor, title="Secret draft")
    if user:
        client.force_login(as_user(request.getfixturevalue(user)))
    response = client.get(f"{CHANGELIST}{article.pk}/preview/")
    assert response.status_code == status
    if status == 200:
        assert (
            "Secret draft" in response.content.decode() and "Only staff can see this page" in response.content.decode()
        )
    assert client.get(article.get_absolute_url()).status_code == 404


def test_revision_is_restored_from_the_admin_after_a_confirmation(client, editor):
    article = draft(editor, title="Original")
    first = article.revisions.first()
    article.title = "Changed"
    services.save_article(article=article, user=editor)
    client.force_login(editor)
    change = client.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    url = f"{CHANGELIST}{article.pk}/revisions/{first.pk}/restore/"
    assert url in change
    assert "Restore “Changed”" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    article.refresh_from_db()
    assert article.title == "Original"


def test_physio_cannot_restore_revisions(client, editor, physio):
    article = draft(editor)
    revision = article.revisions.first()
    client.force_login(physio)
    assert client.post(f"{CHANGELIST}{article.pk}/revisions/{revision.pk}/restore/").status_code == 403


def test_admin_index_lists_articles_due_for_review(client, editor, physio):
    due = reviewed(draft(editor, title="Due soon"), physio, days=5)
    reviewed(draft(editor, title="Fine for a year"), physio, days=300)
    overdue = reviewed(draft(editor, title="Overdue one"), physio, days=5)
    Article.objects.filter(pk=overdue.pk).update(next_review_due=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert due.title in html and overdue.title in html and "Fine for a year" not in html
    assert 'class="review-overdue"' in html


def test_published_article_edit_in_admin_goes_live_when_a_clinician_approves_it(client, editor, physio):
    article = published_article(reviewer=physio, author=editor, title="Before", slug="live-one", body="Old")
    assert "Before" in client.get("/articles/live-one/").content.decode()
    client.force_login(editor)
    copy_url = client.post(f"{CHANGELIST}{article.pk}/working-copy/")["Location"]
    copy = Article.objects.get(working_copy_of=article)
    response = client.post(copy_url, form_data(title="After", slug=copy.slug, body="New"))
    assert response.status_code == 302
    assert "Before" in client.get("/articles/live-one/").content.decode()
    client.force_login(physio)
    client.post(f"{CHANGELIST}{copy.pk}/changes/")
    client.logout()
    assert "After" in client.get("/articles/live-one/").content.decode()


def test_actions_leave_an_audit_log_entry(client, editor):
    from django.contrib.admin.models import LogEntry

    article = draft(editor)
    client.force_login(editor)
    _action(client, "submit_for_review", article)
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert entry.user == editor and "submitted for review" in entry.get_change_message()


@pytest.mark.parametrize("url", [CHANGELIST, "/admin/"])
def test_admin_list_and_index_query_counts_do_not_grow_with_articles(
    client, editor, physio, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.force_login(editor)
    client.get(url)  # the first request after force_login stamps the session (portal.sessions)
    for _ in range(3):
        reviewed(draft(editor), physio, days=3)
    small = count()
    for _ in range(27):
        reviewed(draft(editor), physio, days=3)
    large = count()
    print(f"QUERIES admin {url}: 3 articles -> {small}, 30 articles -> {large}")
    assert large == small


def test_reviewer_filter_lists_only_reviewers_never_patients(client, editor, physio, patient):
    reviewed(draft(editor), physio)
    client.force_login(editor)
    html = client.get(CHANGELIST).content.decode()
    assert f"clinical_reviewer__id__exact={physio.pk}" in html
    assert patient.user.get_full_name() not in html
