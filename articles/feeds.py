from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse

from articles.models import Article


class LatestArticlesFeed(Feed):
    description = "New and updated patient-education articles, reviewed by our clinicians."

    def title(self):
        return f"{settings.SITE_NAME}: articles"

    def link(self):
        return reverse("articles:list")

    def items(self):
        return Article.objects.published().select_related("author").order_by("-published_at")[:20]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.author.get_full_name() if item.author else None
