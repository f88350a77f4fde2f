from django.apps import AppConfig

from portal.pagecache import bump_on  # no models: safe to import while apps load
from programs.signals import program_assigned, program_duplicated


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self) -> None:
        import articles.emails  # noqa: F401 - registers the articles' email kinds
        from articles.care_plan import copy_program_readings, copy_template_readings
        from articles.models import FAQ, Article, Condition, Reference, Tag
        from articles.selectors import ARTICLES

        # A programme assigned from a template, or duplicated, carries its reading list (programs cannot import us).
        program_assigned.connect(copy_template_readings, dispatch_uid="articles.copy_template_readings")
        program_duplicated.connect(copy_program_readings, dispatch_uid="articles.copy_program_readings")

        # Cache invalidation only (no business logic): every write path makes the article pages stale.
        for model in (Article, Condition, Tag, Reference, FAQ):
            bump_on(model, ARTICLES)
