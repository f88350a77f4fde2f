"""Education in the care plan: templates and programmes carry articles to read from a week on; Today lists them and
the patient marks them read; the physio changes the list in the programme editor and sees what was read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import care_plan
from articles.models import Article, Reading, TemplateReading
from articles.tests.factories import ArticleFactory, published_article
from programs import services
from programs.models import ProgramChange
from programs.tests.factories import make_template
from programs.tests.test_admin import form_data

pytestmark = pytest.mark.django_db
TODAY_URL = "/my/"


@pytest.fixture
def articles(editor, physio):
    return {
        slug: published_article(reviewer=physio, author=editor, slug=slug, title=slug.replace("-", " ").capitalize())
        for slug in ("why-backs-hurt", "pacing-your-walks", "sleeping-well")
    }


@pytest.fixture
def program(patient, physio, articles):
    """Started eight days ago (week 2), from a template that carries a reading for weeks 1, 2 and 3."""
    template = make_template(phases=1, items_per_phase=1, weeks=6)
    for week, article in enumerate(articles.values(), start=1):
        TemplateReading.objects.create(template=template, article=article, week=week)
    start = timezone.localdate() - timedelta(days=8)
    return services.assign_program(patient=patient, physio=physio, template=template, start_date=start)


def titles(readings) -> list[str]:
    return [reading.article.title for reading in readings]


def test_assigning_a_template_copies_its_reading_list_and_duplicating_copies_it_unread(program, physio):
    assert [(r.article.slug, r.week, r.read_at) for r in program.readings.select_related("article")] == [
        ("why-backs-hurt", 1, None),
        ("pacing-your-walks", 2, None),
        ("sleeping-well", 3, None),
    ]
    care_plan.mark_read(patient=program.patient, pk=program.readings.first().pk)

    copy = services.duplicate_program(program=program, actor=physio)

    assert list(copy.readings.values_list("article__slug", "week", "read_at")) == [
        ("why-backs-hurt", 1, None),
        ("pacing-your-walks", 2, None),
        ("sleeping-well", 3, None),
    ]


def test_today_lists_what_is_due_by_the_programmes_week_and_only_published_articles(program, articles):
    today = timezone.localdate()
    assert titles(care_plan.due_readings(program, today)) == ["Why backs hurt", "Pacing your walks"]
    assert titles(care_plan.due_readings(program, today + timedelta(days=6))) == [
        "Why backs hurt",
        "Pacing your walks",
        "Sleeping well",
    ]
    Article.objects.filter(pk=articles["why-backs-hurt"].pk).update(status=Article.Status.ARCHIVED)
    assert titles(care_plan.due_readings(program, today)) == ["Pacing your walks"]


def test_the_patient_reads_from_today_and_marks_it_read(client, patient, program):
    client.force_login(patient.user)
    html = client.get(TODAY_URL).content.decode()
    assert "Reading from your physiotherapist" in html
    assert 'href="/articles/why-backs-hurt/"' in html and 'href="/articles/pacing-your-walks/"' in html
    assert "sleeping-well" not in html  # week 3
    reading = program.readings.get(article__slug="pacing-your-walks")
    assert f'action="/my/reading/{reading.pk}/read/"' in html

    response = client.post(f"/my/reading/{reading.pk}/read/", follow=True)

    reading.refresh_from_db()
    assert reading.read_at is not None
    html = response.content.decode()
    assert "Marked as read: “Pacing your walks”." in html
    assert f"Read on {timezone.localtime(reading.read_at):%-d %B}" in html  # the cached page was refreshed
    assert f'action="/my/reading/{reading.pk}/read/"' not in html
    first_read = reading.read_at
    client.post(f"/my/reading/{reading.pk}/read/")
    reading.refresh_from_db()
    assert reading.read_at == first_read  # the first time counts


def test_a_patient_cannot_mark_another_patients_reading_nor_read_by_get(client, patient, other_patient, program):
    reading = program.readings.first()
    client.force_login(other_patient.user)
    assert client.post(f"/my/reading/{reading.pk}/read/").status_code == 404
    client.force_login(patient.user)
    assert client.get(f"/my/reading/{reading.pk}/read/").status_code == 405
    reading.refresh_from_db()
    assert reading.read_at is None


def test_an_article_renamed_shows_renamed_on_the_cached_today_page(client, patient, program, articles, physio):
    client.force_login(patient.user)
    assert "Pacing your walks" in client.get(TODAY_URL).content.decode()
    Article.objects.filter(pk=articles["pacing-your-walks"].pk).update(title="Pace yourself")
    # update() sends no signal: what bumps the cache is a save through any path (here the model's).
    article = Article.objects.get(pk=articles["pacing-your-walks"].pk)
    article.save()
    assert "Pace yourself" in client.get(TODAY_URL).content.decode()


# --- the physio's side: the programme editor ------------------------------------------------------------------


def editor_url(program) -> str:
    return f"/admin/programs/program/{program.pk}/change/"


def test_the_physio_adds_moves_and_removes_readings_in_the_editor_and_each_change_is_recorded(
    client, physio, program, articles
):
    extra = ArticleFactory(slug="extra", title="Extra")  # a draft: not offered
    client.force_login(physio)
    response = client.get(editor_url(program))
    html = response.content.decode()
    assert "Reading (shown on the patient" in html and "Not yet" in html
    data = form_data(response)
    first, second = program.readings.order_by("week")[:2]
    data["readings-0-week"] = 4  # why-backs-hurt: week 1 -> 4
    data["readings-1-DELETE"] = "on"  # pacing-your-walks off the list
    response = client.post(editor_url(program), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(program.readings.values_list("article__slug", "week")) == [("sleeping-well", 3), ("why-backs-hurt", 4)]
    changes = program.changes.filter(action=ProgramChange.Action.READING).order_by("pk")
    assert [(c.actor, c.summary, c.before, c.after) for c in changes] == [
        (physio, "Moved reading “Why backs hurt” to week 4", {"week": 1}, {"week": 4}),
        (physio, "Removed reading “Pacing your walks”", {"week": 2}, {}),
    ]

    data = form_data(client.get(editor_url(program)))
    data.update({"readings-TOTAL_FORMS": 3, "readings-2-article": extra.pk, "readings-2-week": 1})
    response = client.post(editor_url(program), data)
    assert response.status_code == 200  # a draft cannot be assigned
    assert not program.readings.filter(article=extra).exists()
    data["readings-2-article"] = articles["pacing-your-walks"].pk
    response = client.post(editor_url(program), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert program.readings.filter(article__slug="pacing-your-walks", week=1).exists()
    assert program.changes.filter(summary="Added reading “Pacing your walks” from week 1", actor=physio).exists()
    assert Reading.objects.filter(program=program).count() == 3


def test_the_physio_sees_what_the_patient_read(client, physio, patient, program):
    reading = care_plan.mark_read(patient=patient, pk=program.readings.get(article__slug="why-backs-hurt").pk)
    client.force_login(physio)
    html = client.get(editor_url(program)).content.decode()
    assert f"{timezone.localtime(reading.read_at):%-d %b %Y}" in html
    assert html.count("Not yet") == 2


def test_a_template_carries_readings_edited_in_its_admin(client, physio, articles):
    template = make_template(phases=1, items_per_phase=1)
    client.force_login(physio)
    url = f"/admin/programs/programtemplate/{template.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    data = form_data(response)
    data.update({"readings-TOTAL_FORMS": 1, "readings-0-article": articles["sleeping-well"].pk, "readings-0-week": 2})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(template.readings.values_list("article__slug", "week")) == [("sleeping-well", 2)]
