from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from articles import selectors
from articles.seo import article_jsonld, breadcrumbs_jsonld
from portal.pagecache import anonymous_page

DEFAULT_IMAGE = "articles/share-default.png"
DEFAULT_IMAGE_ALT = "Back & Spine Clinic: patient information, reviewed by our clinicians"


def _int(value: str, default: int = 1) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return default


@require_GET
def article_list(request):
    params = {
        "condition": request.GET.get("condition", "")[:100],
        "tag": request.GET.get("tag", "")[:60],
        "query": request.GET.get("q", "").strip()[:200],
    }

    def build():
        number = _int(request.GET.get("page"))
        page = selectors.published_page(**params, page=number)
        canonical = selectors.canonical_url(reverse("articles:list"))
        context = {**page, **params, **selectors.filters(), "canonical": canonical}
        response = render(request, "articles/article_list.html", context)
        # Only a real list is kept (a known condition and tag, an existing page written as its number).
        response.page_cacheable = page["cacheable"] and request.GET.get("page", str(number)) == str(number)
        return response

    if params["query"]:
        return build()  # free-text search stays uncached (see selectors.published_page)
    understood = ("condition", "tag", "page")
    return anonymous_page(request, "articles:list", build, depends_on=[selectors.ARTICLES], params=understood)


@require_GET
def article_detail(request, slug):
    def build():
        article = selectors.published_article(slug)
        if article is None:
            raise Http404("No such article.")
        return render(request, "articles/article_detail.html", detail_context(article))

    return anonymous_page(request, "articles:detail", build, depends_on=selectors.ARTICLE_PAGE)


def detail_context(article, preview: bool = False) -> dict:
    canonical = selectors.canonical_url(article.get_absolute_url())
    return {
        "article": article,
        "canonical": canonical,
        "preview": preview,
        "english_only": True,  # the article is written in English (templates/_english_only.html)
        # Every page shares with a picture: the article's own, or the clinic's default card (static/articles/).
        "og_image": selectors.canonical_url(article.hero_image.url if article.hero_image else static(DEFAULT_IMAGE)),
        "og_image_alt": article.hero_alt if article.hero_image else DEFAULT_IMAGE_ALT,
        "jsonld": [article_jsonld(article, canonical), breadcrumbs_jsonld(article, canonical)],
    }


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        f"Sitemap: {selectors.canonical_url(reverse('articles:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
