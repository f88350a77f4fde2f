"""In Chromium, on the demo data: the protocol's reading is on the patient's Today page; the patient opens it, says
they read it, and the physio sees the date in the programme editor."""

import pytest
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from programs.models import Program
from testing.services import login, screenshot

pytestmark = pytest.mark.browser
TITLE = "Lower back pain that spreads down both legs"


def test_the_patient_reads_the_programmes_article_and_the_physio_sees_it(
    transactional_db, settings, _chromium, live_server
):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(patient__user__email="patient@example.com")
    contexts = [_chromium.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})]
    contexts.append(_chromium.new_context(base_url=live_server.url))
    try:
        patient, physio = (context.new_page() for context in contexts)
        login(patient, "patient@example.com", DEMO_PASSWORD)
        patient.goto("/my/")
        reading = patient.get_by_role("region", name="Reading from your physiotherapist")
        reading.get_by_role("link", name=TITLE).click()
        patient.wait_for_url("**/articles/lower-back-pain-down-both-legs/")
        assert patient.get_by_role("heading", level=1).inner_text() == TITLE
        patient.go_back()
        with patient.expect_navigation():
            reading.get_by_role("button", name="I have read this").click()
        assert f"Marked as read: “{TITLE}”." in patient.locator("body").inner_text()
        assert reading.get_by_text("Read on").is_visible()
        screenshot(patient, "patient-today-reading")

        login(physio, "physio@example.com", DEMO_PASSWORD)
        physio.goto(f"/admin/programs/program/{program.pk}/change/")
        row = physio.locator("tr", has=physio.locator("td.field-read")).first
        assert "Not yet" not in row.inner_text() and row.locator("td.field-read").inner_text().strip()
    finally:
        for context in contexts:
            context.close()
