"""An exercise embedded in an article (a card or a link) shows as the library has it now: renaming it shows at
once on the article page, cached or not, with the in-process cache and with Redis."""

import pytest

from articles import services
from articles.tests.factories import ExerciseFactory, published_article

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["in-process cache", "redis"])
def page_cache(request, settings):
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        settings.CACHES = {"default": {"BACKEND": "portal.cache.PortalRedisCache", "LOCATION": redis_url}}


def test_an_exercise_renamed_shows_renamed_at_once_on_the_article_that_embeds_it(client, page_cache, physio, editor):
    exercise = ExerciseFactory(name="Pelvic tilt", slug="pelvic-tilt", summary="Flatten the lower back.")
    table = "| Stretch | Hold |\n|---|---|\n| [Tilt](exercise:pelvic-tilt) | 5 s |\n"
    body = f"Start gently.\n\n{{{{exercise:pelvic-tilt}}}}\n\n{table}"
    article = published_article(reviewer=physio, author=editor, body=body)
    services.save_article(article=article, user=editor)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Pelvic tilt" in page and "Flatten the lower back." in page
    assert client.get(article.get_absolute_url()).content.decode() == page  # the cached copy

    exercise.name, exercise.summary = "Pelvic tilt, lying", "Press the lower back into the floor."
    exercise.save()

    page = client.get(article.get_absolute_url()).content.decode()
    assert "Pelvic tilt, lying" in page and "Press the lower back into the floor." in page
    assert "Flatten the lower back." not in page


def test_an_exercise_whose_slug_changes_is_no_longer_linked_under_the_old_address(client, page_cache, physio, editor):
    exercise = ExerciseFactory(name="Bridge", slug="bridge")
    article = published_article(reviewer=physio, author=editor, body="{{exercise:bridge}}\n")
    services.save_article(article=article, user=editor)
    assert 'href="/exercises/bridge/"' in client.get(article.get_absolute_url()).content.decode()

    exercise.slug = "glute-bridge"
    exercise.save()

    assert 'href="/exercises/bridge/"' not in client.get(article.get_absolute_url()).content.decode()
