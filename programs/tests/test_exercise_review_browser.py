"""In Chromium, as the issue asks: an editor changes an exercise's "Stop if"; the patient's Today page and handout
keep the approved text until a physio reads the change and approves it, then show the new one."""

import shutil
import subprocess

import pytest
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from programs.models import Program
from programs.tests.test_media import first_exercise
from testing.services import login, missing, screenshot

pytestmark = pytest.mark.browser
CHANGED = "Numbness in the saddle area: stop and call 999."


def handout_text(page, program) -> str:
    response = page.request.get(f"/my/programs/{program.pk}/handout.pdf")
    assert response.ok
    text = subprocess.run(["pdftotext", "-", "-"], input=response.body(), capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def test_a_changed_stop_if_reaches_today_and_the_handout_only_when_a_physio_approves_it(
    transactional_db, settings, _chromium, live_server
):
    if not shutil.which("pdftotext"):
        missing("needs pdftotext (apt-get install poppler-utils)")
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(patient__user__email="patient@example.com")
    exercise = first_exercise(program)
    approved = exercise.cautions
    assert approved
    contexts = [_chromium.new_context(base_url=live_server.url) for _ in range(3)]
    try:
        editor, patient, physio = (context.new_page() for context in contexts)
        login(editor, "editor@example.com", DEMO_PASSWORD)
        editor.goto(f"/admin/programs/exercise/{exercise.pk}/change/")
        editor.get_by_label("Equipment").fill("A mat")  # saved at once: not clinical
        with editor.expect_navigation():
            editor.get_by_role("button", name="Save and continue editing").click()
        assert "waits" not in editor.locator(".messagelist").inner_text()  # the textarea's CRLF is no change
        editor.get_by_label("Cautions").fill(CHANGED)
        with editor.expect_navigation():
            editor.get_by_role("button", name="Save and continue editing").click()
        assert "waits for a clinician's approval" in editor.locator(".messagelist").inner_text()

        login(patient, "patient@example.com", DEMO_PASSWORD)
        patient.goto("/my/")
        assert patient.get_by_text(approved).first.is_visible()
        assert patient.get_by_text(CHANGED).count() == 0
        assert CHANGED not in handout_text(patient, program)

        login(physio, "physio@example.com", DEMO_PASSWORD)
        physio.goto(f"/admin/programs/exercise/{exercise.pk}/change/")
        physio.get_by_role("link", name="See the changes and approve them").click()
        assert physio.locator(".word-diff ins").filter(has_text="saddle").count() == 1
        screenshot(physio, "admin-exercise-changes")
        with physio.expect_navigation():
            physio.get_by_role("button", name="Approve and make live").click()
        assert "The change is live" in physio.locator(".messagelist").inner_text()

        patient.goto("/my/")
        assert patient.get_by_text(CHANGED).first.is_visible()
        assert CHANGED in handout_text(patient, program)
    finally:
        for context in contexts:
            context.close()
