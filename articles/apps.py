from django.apps import AppConfig

from portal.pagecache import bump_on  # no models: safe to import while apps load


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self) -> None:
        import articles.emails  # noqa: F401 - registers the articles' email kinds
        from articles.models import FAQ, Article, Condition, Reference, Tag
        from articles.selectors import ARTICLES

        # Cache invalidation only (no business logic): every write path makes the article pages stale.
        for model in (Article, Condition, Tag, Reference, FAQ):
            bump_on(model, ARTICLES)
