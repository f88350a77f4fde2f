import datetime

import factory
from django.utils import timezone

from articles.models import FAQ, Article, Condition, Reference, Tag
from programs.models import Exercise


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Exercise {n}")
    slug = factory.Sequence(lambda n: f"exercise-{n}")
    body_region = Exercise.BodyRegion.LOWER_BACK
    kind = Exercise.Kind.STRETCH
    summary = "A gentle stretch."
    instructions = "Lie down.\nBreathe."


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Condition
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Condition {n}")
    slug = factory.Sequence(lambda n: f"condition-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft. Use `published_article()` for one that went through the services."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "What this article is about."
    body = "## Section\n\nSome text about backs."


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    title = factory.Sequence(lambda n: f"Reference {n}")
    source = "NHS"
    url = factory.Sequence(lambda n: f"https://www.nhs.uk/ref-{n}/")


class FAQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQ

    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "An answer."


def reviewed(article: Article, reviewer, days: int = 365) -> Article:
    from articles import services

    return services.mark_reviewed(
        article=article, user=reviewer, next_review_due=timezone.localdate() + datetime.timedelta(days=days)
    )


def published_article(*, reviewer, author=None, **fields) -> Article:
    """An article saved, reviewed and published through the real services."""
    from articles import services

    article = ArticleFactory.build(**fields)
    services.save_article(article=article, user=author)
    reviewed(article, reviewer)
    return services.publish_now(article=article, user=author)
