from django.contrib.sitemaps.views import sitemap
from django.urls import path

from articles import views
from articles.feeds import LatestArticlesFeed
from articles.sitemaps import SITEMAPS

app_name = "articles"
urlpatterns = [
    path("articles/", views.article_list, name="list"),
    path("articles/feed/", LatestArticlesFeed(), name="feed"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
