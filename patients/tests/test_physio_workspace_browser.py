"""The physio's day in Chromium, at 1366 px and on a 768 px tablet: log in, land on the home, acknowledge a red-flag
alert with a note, open the patient, assign a template (the interactions are counted: at most 3), change a dosage and
the order of the phases, download the handout. No page scrolls sideways; screenshots go to docs/screenshots/."""

import uuid

import pytest
from django.core.management import call_command

from patients import services
from patients.models import Alert
from portal.demo import DEMO_PASSWORD
from portal.models import Patient
from programs.models import Program
from testing.services import login, screenshot

pytestmark = pytest.mark.browser
TEMPLATE = "Low back pain down both legs: back to activity"
MAX_INTERACTIONS = 3


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("width", [1366, 768])
def test_a_physio_acknowledges_assigns_tailors_and_prints(transactional_db, settings, _chromium, live_server, width):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    jordan = Patient.objects.get(user__email="patient2@example.com")
    services.report_red_flags(patient=jordan, flags=["both_legs_numb"], token=uuid.uuid4(), source="session")
    context = _chromium.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        login(page, "physio@example.com", DEMO_PASSWORD)
        assert page.url.endswith("/admin/"), "staff land on their home"
        alerts = page.locator("#home-alerts")
        assert "Jordan Evans" in alerts.locator("li").first.inner_text()  # the red flag is the top row
        no_sideways_scroll(page, width)
        screenshot(page, f"physio-home-{width}")

        row = alerts.locator("li", has_text="Jordan Evans").first
        row.get_by_label("Note (optional)").fill("Called Jordan, sent to A&E")
        with page.expect_navigation():
            row.get_by_role("button", name="Acknowledge").click()
        assert "Acknowledged the alert for Jordan Evans" in page.locator(".messagelist").inner_text()
        alert = Alert.objects.get(patient=jordan, kind=Alert.Kind.RED_FLAG)
        assert (alert.acknowledged_by.email, alert.acknowledged_note) == (
            "physio@example.com",
            "Called Jordan, sent to A&E",
        )

        with page.expect_navigation():
            page.locator("#home-alerts").get_by_role("link", name="Jordan Evans").first.click()
        assert page.get_by_role("heading", name="Jordan Evans", level=1).is_visible()
        no_sideways_scroll(page, width)
        screenshot(page, f"physio-patient-{width}")

        # Assigning from the patient's page: every click, choice and keystroke counts as one interaction.
        interactions = 0
        page.get_by_label("Assign programme from template").select_option(label=TEMPLATE)
        interactions += 1
        with page.expect_navigation():
            page.get_by_role("button", name="Assign programme").click()
        interactions += 1
        print(f"assigning a template from the patient's page took {interactions} interactions at {width} px")
        assert interactions <= MAX_INTERACTIONS
        assert "Assigned" in page.locator(".messagelist").inner_text()
        program = Program.objects.get(patient=jordan)
        no_sideways_scroll(page, width)

        # Tailor: a dosage, and the second phase moved first with the keyboard.
        first = page.locator("#items-group .inline-related.has_original").first
        first.locator("input[name$='-sets']").fill("4")
        phases = [p.title for p in program.phases.order_by("order")]
        move_up = page.get_by_role("button", name=f"Move up: {phases[1]}")
        move_up.focus()
        page.keyboard.press("Enter")
        screenshot(page, f"physio-editor-{width}")
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue editing").click()
        assert "was changed successfully" in page.locator(".messagelist").inner_text()
        assert [p.title for p in program.phases.order_by("order")][:2] == [phases[1], phases[0]]
        assert program.items.current().filter(sets=4).exists()
        history = page.locator("#changes-group").inner_text()
        assert "Sets for" in history and "Position of phase" in history and "by Priya Shah" in history

        page.goto(f"/admin/portal/patient/{jordan.pk}/progress/")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the handout (PDF)").click()
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    finally:
        context.close()
