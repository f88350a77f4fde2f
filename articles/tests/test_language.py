"""Articles are written in English: in another language the page says so once, and marks the article lang="en"
while its own words (headings, search, pagination) are translated."""

from articles.tests.factories import published_article
from testing.i18n import english_left

SPANISH = "es-ES,es;q=0.9"


def test_an_article_page_in_spanish_marks_the_article_english_and_says_so(client, editor, physio):
    article = published_article(
        reviewer=physio, author=editor, title="Back pain and your legs", body="## The nerve\n\nYou can move."
    )
    html = client.get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert "Este contenido solo está disponible en inglés." in html
    assert '<h1 lang="en">Back pain and your legs</h1>' in html
    assert '<div class="article-content" lang="en">' in html
    assert "Revisión clínica de" in html
    assert english_left(html, skip_tags=("title",)) == []  # the browser tab shows the article's own title


def test_the_article_list_in_spanish(client, editor, physio):
    published_article(reviewer=physio, author=editor, title="Sitting with the pain")
    html = client.get("/articles/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert "1 artículo." in html and "Buscar artículos" in html
    assert english_left(html) == []


def test_in_english_the_page_says_nothing_about_its_language(client, editor, physio):
    article = published_article(reviewer=physio, author=editor, title="Back pain and your legs")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This content is only available in English." not in html
