"""Accessibility and layout of every public, auth and patient page, with the demo data.

- axe-core (axe-playwright-python) on each page of `PAGES`: zero violations.
- `RESPONSIVE_PAGES` at 320 px and 1280 px: no horizontal scrolling; screenshots go to
  docs/screenshots/responsive/<name>-320.png and -1280.png.
- Keyboard only: logging in with Tab and Enter, nothing clicked (`keyboard_login`).

A new page is one line in `PAGES` (and in `RESPONSIVE_PAGES` if it is a main page): a label, a path or
a callable that takes the `demo` dict and returns the path, and who looks at it (ANON, PATIENT, PHYSIO).
After merging the patient pages, for example:

    Page("my-today", "/my/", PATIENT),
    Page("my-progress", "/my/progress/", PATIENT),
"""

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from articles.models import Article
from patients import services as patient_services
from patients.models import SessionLog
from patients.questionnaires import Questionnaire
from patients.triage import RED_FLAG_KEYS
from portal.demo import DEMO_PASSWORD
from portal.models import Patient
from programs.models import Exercise, Program
from testing.services import SCREENSHOTS, login

ANON, PATIENT, PHYSIO = "anonymous", "patient@example.com", "physio@example.com"


@dataclass(frozen=True)
class Page:
    name: str
    path: str | Callable[[dict], str]
    who: str = ANON
    submit: str | None = None  # press this button after loading, to check the page with its form errors

    def url(self, demo: dict) -> str:
        return self.path(demo) if callable(self.path) else self.path


def _reset_confirm(demo: dict) -> str:
    user = demo["patient"].user
    return f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"


def _article(demo: dict) -> str:
    return Article.objects.published().order_by("pk").first().get_absolute_url()


def _exercise(demo: dict) -> str:
    return f"/exercises/{Exercise.objects.order_by('pk').first().slug}/"


def _red_flag_result(demo: dict) -> str:
    check_in = patient_services.submit_check_in(
        patient=demo["patient"],
        questionnaire=Questionnaire.GROC,
        answers={"rating": 2},
        red_flags=sorted(RED_FLAG_KEYS)[:2],
        token=uuid.uuid4(),
    )
    return f"/my/check-in/done/{check_in.pk}/"


def _handout(demo: dict) -> str:
    return f"/my/programs/{Program.objects.filter(patient=demo['patient']).first().pk}/handout/"


# Every public, auth and patient page. The "locked-out" and "two-factor" pages are reached by doing what
# leads to them (see `open_page`), so their path is where that ends.
PAGES: list[Page] = [
    Page("home", "/"),
    Page("login", "/accounts/login/"),
    Page("login-errors", "/accounts/login/", submit="Log in"),
    Page("password-reset", "/accounts/password_reset/"),
    Page("password-reset-done", "/accounts/password_reset/done/"),
    Page("password-reset-confirm", _reset_confirm),
    Page("password-reset-complete", "/accounts/reset/done/"),
    Page("locked-out", "/accounts/login/"),
    Page("not-found", "/no-such-page/"),
    Page("articles", "/articles/"),
    Page("article", _article),
    Page("exercises", "/exercises/"),
    Page("exercise", _exercise),
    Page("two-factor", "/accounts/two-factor/", PHYSIO),
    Page("check-ins", "/my/check-in/", PATIENT),
    Page("check-in-odi", "/my/check-in/odi/", PATIENT),
    Page("check-in-odi-errors", "/my/check-in/odi/", PATIENT, submit="Send my answers"),
    Page("check-in-psfs", "/my/check-in/psfs/", PATIENT),
    Page("check-in-psfs-errors", "/my/check-in/psfs/", PATIENT, submit="Send my answers"),
    Page("check-in-startback", "/my/check-in/startback/", PATIENT),
    Page("check-in-groc", "/my/check-in/groc/", PATIENT),
    Page("check-in-red-flags", _red_flag_result, PATIENT),
    Page("settings", "/my/settings/", PATIENT),
    Page("handout", _handout, PATIENT),
]

# The main pages, photographed at both widths.
RESPONSIVE_PAGES = [
    "home",
    "login",
    "articles",
    "article",
    "exercises",
    "exercise",
    "check-ins",
    "check-in-odi",
    "check-in-psfs",
    "check-in-red-flags",
    "settings",
    "handout",
]
WIDTHS = (320, 1280)


@pytest.fixture
def demo(require_postgres, settings):
    """The demo data, loaded by seed_demo as on a laptop; staff need two-factor, as in production."""
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    settings.STAFF_2FA_REQUIRED = True
    return {"patient": Patient.objects.select_related("user").get(user__email=PATIENT)}


def open_page(page, entry: Page, demo: dict, logged_in: dict[str, str]) -> None:
    """Go to the page as its viewer, logging in (or out) only when the viewer changes."""
    who = "locked" if entry.name == "locked-out" else entry.who
    if logged_in.get("who") != who:
        page.context.clear_cookies()
        if who in (PATIENT, PHYSIO):
            login(page, who, DEMO_PASSWORD)  # a physio lands on the two-factor page
        logged_in["who"] = who
    if entry.name == "locked-out":
        for _ in range(5):
            page.goto("/accounts/login/")
            page.get_by_label("Email address").fill("locked@example.com")
            page.get_by_label("Password").fill("wrong password")
            page.get_by_role("button", name="Log in").click()
        assert "Too many failed log-in attempts" in page.content()
        return
    response = page.goto(entry.url(demo))
    expected = 404 if entry.name == "not-found" else 200
    assert response.status == expected, f"{entry.name}: {response.status} at {page.url}"
    if entry.submit:
        with page.expect_navigation():
            page.get_by_role("button", name=entry.submit).click()
        assert page.locator(".invalid-feedback, .alert-danger").count(), f"{entry.name}: no error shown"


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}: {node.get('failureSummary', '')[:200]}" for node in violation["nodes"][:5]]
    return "\n".join(lines)


def test_every_page_has_no_axe_violations(browser_page, demo):
    axe = Axe()
    logged_in: dict[str, str] = {}
    report, failures = [], []
    for entry in PAGES:
        open_page(browser_page, entry, demo, logged_in)
        results = axe.run(browser_page)
        violations = results.response["violations"]
        report.append(f"{entry.name:<24} {results.violations_count} violations")
        if violations:
            failures.append(f"{entry.name} ({browser_page.url}):\n{describe(violations)}")
    print("\naxe-core results\n" + "\n".join(report))
    assert not failures, "\n".join(failures)


def test_main_pages_fit_320_and_1280_pixels_without_horizontal_scrolling(browser_page, demo):
    folder = os.path.join(SCREENSHOTS, "responsive")
    os.makedirs(folder, exist_ok=True)
    logged_in: dict[str, str] = {}
    overflowing = []
    for entry in (page for page in PAGES if page.name in RESPONSIVE_PAGES):
        for width in WIDTHS:
            browser_page.set_viewport_size({"width": width, "height": 800})
            open_page(browser_page, entry, demo, logged_in)
            scroll_width, inner_width = browser_page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            browser_page.screenshot(path=os.path.join(folder, f"{entry.name}-{width}.png"), full_page=True)
            if scroll_width > inner_width:
                overflowing.append(f"{entry.name} at {width} px: {scroll_width} px wide")
    assert not overflowing, overflowing


def tab_to(page, target, max_tabs: int = 60) -> None:
    """Press Tab until `target` (a Playwright locator) has the focus; fail if it never gets it.

    The keyboard-only journeys are built from this and `page.keyboard` (type, Enter, Space). To extend
    the journey to the Today page after merging, continue `test_a_patient_can_log_in_with_the_keyboard_only`:

        tab_to(page, page.get_by_role("link", name="Today")); page.keyboard.press("Enter")
        tab_to(page, page.get_by_role("button", name="Start timer")); page.keyboard.press("Enter")
        tab_to(page, page.get_by_label("Pain before")); page.keyboard.type("3")
        ...; page.keyboard.press("Enter")  # log the session, then assert the row and the message
    """
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus in {max_tabs} presses of Tab")


def keyboard_login(page, email: str, password: str) -> None:
    """Log in from the home page with Tab, typing and Enter only: no click, no fill()."""
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="Log in").first)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/accounts/login/")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_patient_can_log_in_with_the_keyboard_only(browser_page, demo):
    page = browser_page
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    keyboard_login(page, PATIENT, DEMO_PASSWORD)
    assert page.get_by_role("button", name="Log out").count() == 1
    tab_to(page, page.get_by_role("link", name="Check-in"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/my/check-in/")
    assert page.get_by_role("heading", name="Check-ins", exact=True).is_visible()


def test_a_patient_follows_todays_routine_with_the_keyboard_only(browser_page, demo):
    """Log in, open today's routine, play the session (start, skip), tick an exercise, score pain and save: no mouse."""
    page = browser_page
    keyboard_login(page, PATIENT, DEMO_PASSWORD)
    tab_to(page, page.get_by_role("link", name="Today", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/my/")
    # The session player from the keyboard: start, start the first exercise, then skip to the end of the session.
    tab_to(page, page.get_by_role("button", name="Start session"))
    page.keyboard.press("Enter")
    tab_to(page, page.locator("[data-player-main]"))
    page.keyboard.press("Enter")
    page.locator("[data-player-status]").filter(has_text=re.compile("starting now|Rep 1")).wait_for()
    skip = page.get_by_role("button", name="Skip this exercise")
    while skip.is_visible():
        tab_to(page, skip)
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "finish-heading"  # the player ends where the form ends
    card = page.locator("li.card").first
    first_done = card.get_by_role("checkbox", name=re.compile(r"^I did "))
    tab_to(page, first_done)
    page.keyboard.press("Space")
    assert first_done.is_checked()
    tab_to(page, page.get_by_label("Pain before you started"))
    page.keyboard.type("4")
    tab_to(page, page.get_by_label("Pain after you finished"))
    page.keyboard.type("3")
    tab_to(page, page.get_by_role("radio", name="Too easy"))
    page.keyboard.press("ArrowDown")  # radios in a group move with the arrow keys
    assert page.get_by_role("radio", name="About right").is_checked()
    none_of_these = page.get_by_role("checkbox", name="None of these")
    tab_to(page, none_of_these)
    page.keyboard.press("Space")
    assert none_of_these.is_checked()
    tab_to(page, page.get_by_role("button", name="Save my session"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/my/sessions/" in page.url
    session = SessionLog.objects.filter(patient__user__email=PATIENT).latest("pk")  # the demo has weeks before it
    assert (session.pain_before, session.pain_after, session.difficulty) == (4, 3, "about_right")
    assert session.exercises.count() == 1
