import re

import pytest
from django.core.management import call_command

from articles.models import Article
from programs.models import Exercise

pytestmark = pytest.mark.django_db
SLUG = "lower-back-pain-down-both-legs"
STRETCHES = ["knee-to-chest", "figure-four-stretch", "childs-pose", "seated-piriformis-stretch", "pelvic-tilts",
             "hamstring-stretch", "hip-flexor-stretch"]  # fmt: skip


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_demo_publishes_the_back_pain_article_reviewed_by_the_physio(seeded, client):
    article = Article.objects.get(slug=SLUG)
    assert article.status == Article.Status.PUBLISHED
    assert article.author.email == "editor@example.com"
    assert article.clinical_reviewer.email == "physio@example.com"
    assert article.faqs.count() == 3 and article.references.count() == 3
    html = client.get(article.get_absolute_url()).content.decode()
    assert "callout-warning" in html and "Get urgent help" in html


def test_demo_stretches_table_links_to_existing_library_exercises(seeded):
    html = Article.objects.get(slug=SLUG).body_html
    table = html[html.index("<table") : html.index("</table>")]
    linked = re.findall(r'href="/exercises/([a-z0-9-]+)/"', table)
    assert linked == STRETCHES
    assert Exercise.objects.filter(slug__in=linked).count() == len(STRETCHES)


def test_demo_has_a_scheduled_and_a_draft_article_hidden_from_the_public(seeded, client):
    states = dict(Article.objects.values_list("slug", "status"))
    assert states["back-care-at-a-desk"] == Article.Status.SCHEDULED
    assert states["sleeping-with-back-pain"] == Article.Status.DRAFT
    assert client.get("/articles/back-care-at-a-desk/").status_code == 404


def test_demo_articles_are_idempotent(seeded):
    counts = (Article.objects.count(), Exercise.objects.count())
    call_command("seed_demo")
    assert (Article.objects.count(), Exercise.objects.count()) == counts
    assert Article.objects.get(slug=SLUG).status == Article.Status.PUBLISHED


def test_the_stretches_table_links_full_library_entries_and_no_stub(seeded):
    for slug in STRETCHES:
        exercise = Exercise.objects.get(slug=slug)
        assert len(exercise.steps) >= 2 and exercise.cautions, f"{slug} is a stub"
    assert not Exercise.objects.filter(slug="pelvic-tilt").exists()


def test_the_migration_merges_an_existing_stub_into_the_full_entry(editor, physio):
    import importlib

    from django.apps import apps

    from articles.tests.factories import published_article
    from programs.tests.factories import ExerciseFactory, TemplateItemFactory

    merge = importlib.import_module("articles.migrations.0004_merge_the_pelvic_tilt_stub").merge
    stub = ExerciseFactory(slug="pelvic-tilt", name="Pelvic tilt")
    full = ExerciseFactory(slug="pelvic-tilts", name="Pelvic tilts")
    item = TemplateItemFactory(exercise=stub)
    article = published_article(
        reviewer=physio, author=editor, body="| [Tilt](exercise:pelvic-tilt) |\n|---|\n\n{{exercise:pelvic-tilt}}\n"
    )
    article.related_exercises.set([stub])

    merge(apps, None)

    item.refresh_from_db()
    article.refresh_from_db()
    assert item.exercise == full and list(article.related_exercises.all()) == [full]
    assert "pelvic-tilt)" not in article.body and "{{exercise:pelvic-tilts}}" in article.body
    assert "/exercises/pelvic-tilt/" not in article.body_html
    assert not Exercise.objects.filter(slug="pelvic-tilt").exists()
