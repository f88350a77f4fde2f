import re

import pytest
from django.core.management import call_command

from articles.models import Article
from programs.models import Exercise

pytestmark = pytest.mark.django_db
SLUG = "lower-back-pain-down-both-legs"
STRETCHES = ["knee-to-chest", "figure-four-stretch", "childs-pose", "seated-piriformis-stretch", "pelvic-tilt",
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
