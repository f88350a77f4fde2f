"""Reads of published articles, from the page cache (portal.pagecache) under the articles' topic, bumped by
every save or delete of an article or what it shows (receivers connected in `articles.apps`). An article page
also depends on the exercise library, whose cards it embeds."""

import hashlib
import re

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Prefetch, Q, Value, When

from articles.models import Article, Condition, Tag
from articles.rendering import mentioned_exercise_slugs, render_markdown
from portal.pagecache import cached
from programs.models import Exercise
from programs.selectors import LIBRARY

ARTICLES = "articles"
PAGE_SIZE = 10
# What an article page shows: the articles, and the exercises embedded in them.
ARTICLE_PAGE = (ARTICLES, LIBRARY)


def filters() -> dict:
    def build():
        return {"conditions": list(Condition.objects.all()), "tags": list(Tag.objects.all())}

    return cached("articles:filters", build, depends_on=[ARTICLES])


def _search(queryset, query: str):
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        search = SearchQuery(query, search_type="websearch", config="english")
        matching = queryset.annotate(document=vector).filter(document=search)  # every word (@@), not any
        return matching.annotate(rank=SearchRank(vector, search)).order_by("-rank", "title")
    # SQLite: every word, in any order, somewhere in the article; ranked as PostgreSQL weighs them (title over
    # summary over body), then by title.
    words = [word for word in re.findall(r"\w+", query.lower()) if len(word) > 1][:10]
    if not words:
        return queryset.none()
    rank = Value(0)
    for word in words:
        in_title, in_summary = Q(title__icontains=word), Q(summary__icontains=word)
        queryset = queryset.filter(in_title | in_summary | Q(body__icontains=word))
        rank = rank + Case(When(in_title, then=Value(4)), When(in_summary, then=Value(2)), default=Value(1))
    return queryset.annotate(rank=rank).order_by("-rank", "title")


MAX_CACHED_PAGE = 50


def published_page(*, condition: str = "", tag: str = "", query: str = "", page: int = 1) -> dict:
    """One page of published articles, with `cacheable`: whether these parameters name a real list (a known
    condition and tag, a page number that exists). Only those are cached, so no visitor can make keys up."""

    def build():
        articles = Article.objects.published().select_related("clinical_reviewer")
        if condition:
            articles = articles.filter(conditions__slug=condition)
        if tag:
            articles = articles.filter(tags__slug=tag)
        if query:
            articles = _search(articles, query)
        articles = articles.prefetch_related("conditions", "tags").defer("body", "body_html", "toc")
        paginator = Paginator(articles, PAGE_SIZE)
        current = paginator.get_page(page)
        return {
            "articles": list(current.object_list),
            "number": current.number,
            "num_pages": paginator.num_pages,
            "count": paginator.count,
            "cacheable": current.number == page,
        }

    known = filters()
    if (
        query  # free text would let anyone fill the cache with one-off keys; search stays uncached
        or (condition and condition not in {c.slug for c in known["conditions"]})
        or (tag and tag not in {t.slug for t in known["tags"]})
        or page > MAX_CACHED_PAGE
    ):
        return {**build(), "cacheable": False}
    params = hashlib.sha256(f"{condition}\0{tag}\0{page}".encode()).hexdigest()[:32]
    found = cached(f"articles:list:{params}", lambda: _if_cacheable(build()), depends_on=[ARTICLES])
    return found if found is not None else {**build(), "cacheable": False}


def _if_cacheable(page: dict) -> dict | None:
    return page if page["cacheable"] else None


def article_with_relations(queryset, **lookup) -> Article | None:
    related = Article.objects.published().only("title", "slug", "summary", "published_at")
    return (
        queryset.filter(**lookup)
        .select_related("author", "author__clinician_profile", "clinical_reviewer__clinician_profile")
        .prefetch_related(
            "conditions",
            "tags",
            "references",
            "faqs",
            Prefetch("related_exercises", queryset=Exercise.objects.only("name", "slug", "summary")),
            Prefetch("related_articles", queryset=related),
        )
        .first()
    )


def with_current_exercises(article: Article) -> Article:
    """The body rendered with the library as it is now: a renamed exercise shows renamed in every article."""
    slugs = mentioned_exercise_slugs(article.body)
    exercises = {exercise.slug: exercise for exercise in Exercise.objects.filter(slug__in=slugs)} if slugs else {}
    rendered = render_markdown(article.body, exercises)
    article.body_html, article.toc = rendered.html, rendered.toc
    return article


def published_article(slug: str) -> Article | None:
    def build():
        article = article_with_relations(Article.objects.published(), slug=slug)
        return with_current_exercises(article) if article else False

    return cached(f"articles:detail:{slug}", build, depends_on=ARTICLE_PAGE) or None


def canonical_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
