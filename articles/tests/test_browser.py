"""In Chromium: the seeded article, its stretches table, the red-flag callout, payloads that must not run."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.tests.factories import ArticleFactory, ConditionFactory, FAQFactory, reviewed
from articles.tests.html_checks import PAYLOADS
from portal.demo import DEMO_PASSWORD
from testing.services import login, screenshot

pytestmark = pytest.mark.browser

# The policy the portal will turn on; the article page must work under it with no violation.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'"
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def _with_strict_csp(route):
    response = route.fetch()
    route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})


SLUG = "lower-back-pain-down-both-legs"


@pytest.fixture
def seeded(transactional_db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    return {"article": Article.objects.get(slug=SLUG)}


def serious_a11y_violations(page) -> list:
    # The header's nav links are base.html's (reported: their contrast fails axe); this checks our content.
    results = Axe().run(page, context={"exclude": [["header"]]})
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return [(v["id"], [node["target"] for node in v["nodes"]][:3]) for v in serious]


def _hostile_article(editor, physio) -> Article:
    text = " ".join(payload for payload in PAYLOADS if "exercise:" not in payload)
    article = ArticleFactory.build(title=f"Hostile {text}"[:200], summary=text[:300], body=text, slug="hostile")
    services.save_article(article=article, user=editor)
    article.conditions.set([ConditionFactory(name=PAYLOADS[0], slug="hostile")])
    FAQFactory(article=article, question=PAYLOADS[1], answer=PAYLOADS[0])
    reviewed(article, physio)
    return services.publish_now(article=article, user=editor)


def test_reader_follows_a_stretch_from_the_article_to_the_exercise_and_no_payload_runs(seeded, browser_page):
    from portal.models import User

    editor, physio = User.objects.get(email="editor@example.com"), User.objects.get(email="physio@example.com")
    _hostile_article(editor, physio)
    page = browser_page
    page.goto("/articles/hostile/")
    page.goto("/articles/")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert serious_a11y_violations(page) == []

    # Without a CSP above, so only the sanitiser stood between the payloads and the page. Now the strict one:
    page.add_init_script(RECORD_VIOLATIONS)
    page.route(f"**/articles/{SLUG}/", _with_strict_csp)
    page.goto(f"/articles/{SLUG}/")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("getComputedStyle(document.querySelector('.callout-warning')).borderLeftStyle") == "solid"
    warning = page.locator("aside.callout-warning")
    assert "Get urgent help" in warning.locator(".callout-title").inner_text()
    assert warning.is_visible()
    assert page.get_by_text("Clinically reviewed by").is_visible()
    screenshot(page, "article")
    assert serious_a11y_violations(page) == []

    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("table").get_by_role("link", name="Knee to chest").click()
    page.wait_for_url("**/exercises/knee-to-chest/")
    assert page.get_by_role("heading", level=1).inner_text() == "Knee to chest"


def test_editor_sees_live_content_checks_in_the_admin_editor(seeded, browser_page):
    page = browser_page
    login(page, "editor@example.com", DEMO_PASSWORD)
    page.goto(f"/admin/articles/article/{seeded['article'].pk}/change/")
    with page.expect_navigation():
        page.get_by_role("button", name="Edit a working copy").click()  # the article is live
    assert f"/{seeded['article'].pk}/change/" not in page.url
    words = page.locator("[data-word-count]")
    before = int(words.inner_text())
    assert before > 500
    body = page.locator("textarea.article-body-input")
    body.fill("Short words. We sit. We walk.")
    assert words.inner_text() == "6"
    assert page.locator("[data-flesch-band]").inner_text() == "easy to read"
    body.fill(seeded["article"].body)
    page.locator("#id_title").scroll_into_view_if_needed()
    screenshot(page, "admin-article-editor")


def test_a_change_to_a_live_article_waits_for_a_clinicians_approval(seeded, browser_page):
    """The issue's reproduction: the emergency advice rewritten as routine advice stays off the public page until a
    clinician has read the change and approved it; then the page shows the new text with today's review date."""
    page, article = browser_page, seeded["article"]
    emergency, routine = "call 999 or go to A&E", "book a routine appointment with your GP"
    login(page, "editor@example.com", DEMO_PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    with page.expect_navigation():
        page.get_by_role("button", name="Edit a working copy").click()
    body = page.locator("textarea.article-body-input")
    body.fill(body.input_value().replace(emergency, routine, 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    page.goto(article.get_absolute_url())
    assert page.get_by_text(f"Get urgent help: {emergency}").is_visible()
    assert page.get_by_text(routine).count() == 0

    page.context.clear_cookies()
    login(page, "physio@example.com", DEMO_PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.get_by_role("link", name="working copy").click()
    page.get_by_role("link", name="See the changes and approve them").click()
    assert page.locator(".word-diff del").filter(has_text=emergency).count() == 1
    assert page.locator(".word-diff ins").filter(has_text=routine).count() == 1
    assert page.locator(".word-diff del, .word-diff ins").count() == 2  # that sentence and nothing else
    assert serious_a11y_violations(page) == []
    screenshot(page, "admin-article-changes")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve and make live").click()
    assert "The change is live" in page.locator(".messagelist").inner_text()

    page.goto(article.get_absolute_url())
    assert page.get_by_text(f"Get urgent help: {routine}").is_visible()
    today = timezone.localdate()
    assert page.locator(f"time[datetime='{today:%Y-%m-%d}']").first.is_visible()
