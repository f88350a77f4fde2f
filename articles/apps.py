from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self) -> None:
        import articles.emails  # noqa: F401 - registers the articles' email kinds
