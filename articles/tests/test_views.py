import datetime
import json
import re

import feedparser
import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import (
    ArticleFactory,
    ConditionFactory,
    ExerciseFactory,
    FAQFactory,
    ReferenceFactory,
    TagFactory,
    published_article,
    reviewed,
)
from articles.tests.html_checks import PAYLOADS, active_content

pytestmark = pytest.mark.django_db


def jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    return [json.loads(block) for block in blocks]


@pytest.fixture
def article(editor, physio):
    article = published_article(
        reviewer=physio, author=editor, title="Back pain down both legs", slug="back-pain", summary="Why it spreads."
    )
    article.conditions.set([ConditionFactory(name="Sciatica", slug="sciatica")])
    return article


def unpublished(editor, physio) -> dict[str, Article]:
    draft = services.save_article(article=ArticleFactory.build(slug="a-draft"), user=editor)
    scheduled = reviewed(services.save_article(article=ArticleFactory.build(slug="a-scheduled"), user=editor), physio)
    services.schedule(article=scheduled, user=editor, publish_at=timezone.now() + datetime.timedelta(days=2))
    archived = published_article(reviewer=physio, author=editor, slug="an-archived")
    services.archive(article=archived, user=editor)
    in_review = services.save_article(article=ArticleFactory.build(slug="in-review"), user=editor)
    services.submit_for_review(article=in_review, user=editor)
    return {"draft": draft, "scheduled": scheduled, "archived": archived, "in_review": in_review}


def test_detail_shows_trust_information_references_faq_and_related(client, article, physio, editor):
    ReferenceFactory(article=article, title="NICE NG59", url="https://www.nice.org.uk/guidance/ng59")
    FAQFactory(article=article, question="Is it sciatica?")
    exercise = ExerciseFactory(name="Pelvic tilt", slug="pelvic-tilt")
    article.related_exercises.set([exercise])
    other = published_article(reviewer=physio, author=editor, title="Sleeping well")
    article.related_articles.set([other])
    services.save_article(article=article, user=editor)
    html = client.get("/articles/back-pain/").content.decode()
    expected = ["Clinically reviewed by", physio.get_full_name(), "Last reviewed", "Next review due", "NICE NG59"]
    expected += ["Is it sciatica?", 'href="/exercises/pelvic-tilt/"', other.get_absolute_url()]
    for text in expected:
        assert text in html


@pytest.mark.parametrize("state", ["draft", "scheduled", "archived", "in_review"])
def test_unpublished_articles_are_404_and_absent_from_list_feed_sitemap_and_search(client, editor, physio, state):
    slug = unpublished(editor, physio)[state].slug
    assert client.get(f"/articles/{slug}/").status_code == 404
    assert slug not in client.get("/articles/").content.decode()
    assert slug not in client.get("/articles/?q=Article").content.decode()
    assert slug not in client.get("/articles/feed/").content.decode()
    assert slug not in client.get("/sitemap.xml").content.decode()


def test_scheduled_article_appears_once_published_by_the_beat_service(client, editor, physio):
    scheduled = unpublished(editor, physio)["scheduled"]
    assert client.get(scheduled.get_absolute_url()).status_code == 404  # and now it is cached as missing
    Article.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.publish_due() == 1
    assert client.get(scheduled.get_absolute_url()).status_code == 200


def test_list_filters_by_condition_and_tag(client, editor, physio):
    sciatica, sleep = ConditionFactory(slug="sciatica"), TagFactory(slug="sleep")
    one = published_article(reviewer=physio, author=editor, title="About sciatica")
    two = published_article(reviewer=physio, author=editor, title="About sleep")
    one.conditions.set([sciatica]), two.tags.set([sleep])
    services.save_article(article=two, user=editor)  # any save invalidates the cached pages
    by_condition = client.get("/articles/?condition=sciatica").content.decode()
    assert "About sciatica" in by_condition and "About sleep" not in by_condition
    by_tag = client.get("/articles/?tag=sleep").content.decode()
    assert "About sleep" in by_tag and "About sciatica" not in by_tag


def test_list_paginates(client, editor, physio):
    for number in range(12):
        published_article(reviewer=physio, author=editor, title=f"Paged {number:02}")
    first, second = client.get("/articles/"), client.get("/articles/?page=2")
    assert first.context["count"] == 12 and first.context["num_pages"] == 2
    assert len(first.context["articles"]) == 10 and len(second.context["articles"]) == 2
    assert client.get("/articles/?page=nope").status_code == 200


def test_search_ranks_title_matches_first_on_postgres(client, editor, physio, require_postgres):
    published_article(reviewer=physio, author=editor, title="Sleep tips", body="Stenosis can wake you at night.")
    published_article(reviewer=physio, author=editor, title="Spinal stenosis explained", body="Narrowing.")
    published_article(reviewer=physio, author=editor, title="Walking", body="Good for backs.")
    titles = [a.title for a in client.get("/articles/?q=stenosis").context["articles"]]
    assert titles == ["Spinal stenosis explained", "Sleep tips"]
    # Stemming: "stretches" finds "stretching".
    published_article(reviewer=physio, author=editor, title="Stretching daily")
    assert [a.title for a in client.get("/articles/?q=stretches").context["articles"]] == ["Stretching daily"]


def test_search_finds_every_word_in_any_order_and_ranks_titles_first(client, editor, physio):
    """On either database: "stenosis walking" finds the articles holding both words, wherever they are."""
    published_article(reviewer=physio, author=editor, title="Sleep tips", body="Stenosis and walking at night.")
    published_article(reviewer=physio, author=editor, title="Spinal stenosis", summary="Walking helps.", body="Bend.")
    published_article(reviewer=physio, author=editor, title="Walking", body="Good for backs.")
    titles = [a.title for a in client.get("/articles/?q=stenosis walking").context["articles"]]
    assert titles == ["Spinal stenosis", "Sleep tips"]
    assert [a.title for a in client.get("/articles/?q=walking STENOSIS").context["articles"]] == titles


def test_feed_parses_and_lists_published_articles(client, article):
    feed = feedparser.parse(client.get("/articles/feed/").content)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Back pain down both legs"]
    assert feed.entries[0].link.endswith("/articles/back-pain/")
    assert feed.entries[0].summary == "Why it spreads."


def test_sitemap_lists_articles_and_exercises_and_robots_points_to_it(client, article):
    ExerciseFactory(slug="knee-to-chest")
    xml = client.get("/sitemap.xml").content.decode()
    assert "/articles/back-pain/</loc>" in xml and "/exercises/knee-to-chest/</loc>" in xml
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots.content.decode()


def test_detail_has_canonical_open_graph_and_json_ld(client, article, physio, settings):
    settings.SITE_URL = "https://clinic.example"
    cache.clear()
    html = client.get("/articles/back-pain/").content.decode()
    assert '<link rel="canonical" href="https://clinic.example/articles/back-pain/">' in html
    assert '<meta property="og:title" content="Back pain down both legs">' in html
    assert '<meta property="og:description" content="Why it spreads.">' in html
    default = re.search(r'<meta property="og:image" content="https://clinic\.example(/static/[^"]+)">', html).group(1)
    assert "share-default" in default and finders.find("articles/share-default.png")  # no hero: the clinic's card
    Article.objects.filter(pk=article.pk).update(hero_image="articles/legs.jpg", hero_alt="A person stretching")
    cache.clear()
    html = client.get("/articles/back-pain/").content.decode()
    assert '<meta property="og:image" content="https://clinic.example/media/articles/legs.jpg">' in html
    assert 'alt="A person stretching"' in html
    page, breadcrumbs = jsonld(html)
    assert page["@type"] == "MedicalWebPage"
    assert page["reviewedBy"] == {"@type": "Person", "name": physio.get_full_name(), "jobTitle": "Physiotherapist"}
    assert page["lastReviewed"] == timezone.localdate().isoformat()
    assert page["about"] == [{"@type": "MedicalCondition", "name": "Sciatica"}]
    assert page["url"] == "https://clinic.example/articles/back-pain/"
    assert breadcrumbs["@type"] == "BreadcrumbList"
    assert [item["name"] for item in breadcrumbs["itemListElement"]] == ["Home", "Articles", "Back pain down both legs"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_every_editable_field_never_reach_the_page_as_active_content(client, editor, physio, payload):
    article = ArticleFactory.build(
        title=f"T {payload}", summary=f"S {payload}", body=f"## H {payload}\n\n{payload}", hero_alt=payload
    )
    try:
        services.save_article(article=article, user=editor)
    except ValidationError as refused:  # an exercise tag with a malformed slug is refused outright: also safe
        assert list(refused.message_dict) == ["body"] and "exercise:" in payload
        return
    article.conditions.set([ConditionFactory(name=f"C {payload}"[:100], slug="c")])
    article.tags.set([TagFactory(name=f"T {payload}"[:60], slug="t")])
    FAQFactory(article=article, question=f"Q {payload}", answer=f"A {payload}")
    # Written around the form (which would refuse it) to prove the template does not trust the database.
    ReferenceFactory(article=article, title=f"R {payload}", source=f"S {payload}", url="javascript:window.__xss=1")
    reviewed(article, physio)
    services.publish_now(article=article, user=editor)
    for url in (article.get_absolute_url(), "/articles/"):
        html = client.get(url).content.decode()
        assert active_content(html, page=True) == [], url
    for data in jsonld(client.get(article.get_absolute_url()).content.decode()):
        assert data  # still valid JSON with the payload inside
    feed = feedparser.parse(client.get("/articles/feed/").content)
    assert feed.entries[0].title.startswith("T ")


def _bulk(editor, physio, count: int) -> None:
    exercises = [ExerciseFactory() for _ in range(count)]
    conditions = [ConditionFactory() for _ in range(count)]
    tags = [TagFactory() for _ in range(count)]
    main = published_article(reviewer=physio, author=editor, slug="main", title="Main")
    main.conditions.set(conditions), main.tags.set(tags), main.related_exercises.set(exercises)
    for _ in range(count):
        ReferenceFactory(article=main), FAQFactory(article=main)
        other = published_article(reviewer=physio, author=editor)
        other.conditions.set(conditions[:3]), other.tags.set(tags[:3])
        main.related_articles.add(other)


def _count_queries(client, url: str, django_assert_max_num_queries, limit: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with django_assert_max_num_queries(limit), CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/articles/", "/articles/main/", "/articles/?q=main", "/articles/feed/"])
def test_query_counts_do_not_grow_with_articles_tags_or_references(
    client, editor, physio, url, django_assert_max_num_queries, django_assert_num_queries
):
    _bulk(editor, physio, 3)
    small = _count_queries(client, url, django_assert_max_num_queries, 12)
    _bulk_more = _bulk  # 30 more of everything: the same number of queries
    Article.objects.filter(slug="main").delete()
    _bulk_more(editor, physio, 30)
    large = _count_queries(client, url, django_assert_max_num_queries, 12)
    assert small == large, (url, small, large)
    print(f"QUERIES {url}: 3 items -> {small}, 30 items -> {large}")
    if "feed" not in url and "q=" not in url:
        with django_assert_num_queries(0):  # cached: no query at all for an anonymous visitor
            client.get(url)


def test_a_logged_in_user_never_gets_the_anonymous_copy_of_an_article(client, article, patient):
    anonymous = client.get("/articles/back-pain/").content.decode()
    assert 'action="/accounts/logout/"' not in anonymous
    client.force_login(patient.user)
    html = client.get("/articles/back-pain/").content.decode()
    assert "Back pain down both legs" in html and 'action="/accounts/logout/"' in html


def test_cached_detail_is_invalidated_when_a_change_is_approved(client, article, editor, physio):
    assert "Back pain down both legs" in client.get("/articles/back-pain/").content.decode()
    copy = services.start_working_copy(article=article, user=editor)
    copy.title = "A better title"
    services.save_article(article=copy, user=editor)
    assert "A better title" not in client.get("/articles/back-pain/").content.decode()
    services.approve_working_copy(article=copy, user=physio)
    assert "A better title" in client.get("/articles/back-pain/").content.decode()
    services.archive(article=article, user=editor)
    assert client.get("/articles/back-pain/").status_code == 404
