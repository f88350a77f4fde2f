from django.contrib.sitemaps import Sitemap

from articles.models import Article
from programs.models import Exercise


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class ExerciseSitemap(Sitemap):
    """Lives here because programs does not import articles; the one sitemap view is in articles/urls.py."""

    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Exercise.objects.only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"articles": ArticleSitemap, "exercises": ExerciseSitemap}
