"""The demo patient's day in the browser: a logged session, the new point on the progress
page; every patient page passes axe and fits a 320 px screen. The physio's progress page is screenshotted."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from patients.models import SessionLog
from patients.tests.test_today_page import history
from portal.demo import DEMO_PASSWORD
from portal.models import Patient
from programs.models import ProgramPhase
from testing.services import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

PATIENT_PAGES = ["/my/", "/my/progress/", "/my/check-in/", "/my/check-in/odi/", "/my/settings/", "/my/export/"]


@pytest.fixture
def demo_patient(transactional_db, require_postgres, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    patient = Patient.objects.get(user__email="patient@example.com")
    program = patient.programs.get(status="active")
    today = patient.local_today()
    # The demo program starts today; move its first phase back two weeks so the history below falls in it.
    ProgramPhase.objects.filter(pk=program.current_phase_id).update(start_date=today - timedelta(days=14))
    history(patient, program, 12, today)
    return patient


def assert_accessible_at_320(page, url):
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
    results = Axe().run(page)
    assert results.violations_count == 0, f"{url}\n{results.generate_report()}"


def test_patient_logs_a_session_and_sees_it_on_the_progress_page(demo_patient, browser_page, live_server):
    page = browser_page
    login(page, "patient@example.com", DEMO_PASSWORD)
    page.goto("/my/")
    results = Axe().run(page)  # at desktop width too, with the navigation bar expanded
    assert results.violations_count == 0, results.generate_report()

    checkboxes = page.get_by_role("checkbox", name="I did ")
    checkboxes.nth(0).check()
    checkboxes.nth(1).check()
    page.get_by_label("Pain before you started").fill("6")
    page.get_by_label("Pain after you finished").fill("2")
    page.get_by_label("About right").check()
    page.get_by_label("Anything to tell your physiotherapist?").fill("Holding was easier today.")
    page.get_by_role("checkbox", name="None of these").check()
    screenshot(page, "my-today")
    page.get_by_role("button", name="Save my session").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Session saved").is_visible()

    session = SessionLog.objects.get(patient=demo_patient, note="Holding was easier today.")
    assert session.exercises.count() == 2 and (session.pain_before, session.pain_after) == (6, 2)

    page.goto("/my/progress/")
    page.locator("summary", has_text="Show the numbers").first.click()
    today = demo_patient.local_today()
    row = page.locator("table").first.locator("tr", has_text=f"{today.day} {today:%b %Y}")
    assert row.locator("td").all_inner_texts() == ["6", "2"]
    screenshot(page, "my-progress")

    page.set_viewport_size({"width": 320, "height": 800})
    for url in PATIENT_PAGES:
        assert_accessible_at_320(page, url)

    context = page.context.browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    try:
        physio_page = context.new_page()
        login(physio_page, "physio@example.com", DEMO_PASSWORD)
        physio_page.goto(f"/admin/portal/patient/{demo_patient.pk}/progress/")
        assert physio_page.get_by_text("Holding was easier today.").is_visible()
        screenshot(physio_page, "admin-patient-progress")
    finally:
        context.close()
    assert session.performed_on == today and today - timedelta(days=1) in set(
        demo_patient.session_logs.values_list("performed_on", flat=True)
    )
