"""In Chromium, with media in a bucket: an editor uploads a picture in the exercise admin; once a physio approves
it, the public exercise page, the patient's Today page and the handout PDF all show it, fetched through the
portal's /media/ URL."""

import re
import shutil
import subprocess

import pytest
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from programs.models import Program
from programs.tests.factories import png_bytes
from programs.tests.test_media import first_exercise
from testing.services import login, missing

pytestmark = pytest.mark.browser


def test_editor_uploads_a_picture_a_physio_approves_it_and_it_shows_on_the_exercise_page_today_and_the_handout(
    transactional_db, settings, s3_storage, _chromium, live_server
):
    if not shutil.which("pdfimages"):
        missing("needs pdfimages (apt-get install poppler-utils)")
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(patient__user__email="patient@example.com")
    exercise = first_exercise(program)
    exercise.images.all().delete()

    contexts = [_chromium.new_context(base_url=live_server.url) for _ in range(3)]
    try:
        check_upload(contexts, exercise, program, s3_storage)
    finally:
        for context in contexts:
            context.close()


def check_upload(contexts, exercise, program, s3_storage):
    seeded_keys = {item.key for item in s3_storage.bucket.objects.all()}
    editor = contexts[0].new_page()
    login(editor, "editor@example.com", DEMO_PASSWORD)
    editor.goto(f"/admin/programs/exercise/{exercise.pk}/change/")
    editor.locator("input[name='images-0-image']").set_input_files(
        {"name": "bridge.png", "mimeType": "image/png", "buffer": png_bytes(size=(64, 48))}
    )
    editor.locator("input[name='images-0-alt_text']").fill("Lying on the back, hips lifted")
    editor.get_by_role("button", name="Save and continue editing").click()
    editor.wait_for_load_state()
    assert "was changed successfully" in editor.locator(".messagelist").inner_text()
    uploaded = [item.key for item in s3_storage.bucket.objects.all() if item.key not in seeded_keys]
    (stored,) = uploaded  # the upload, not the demo's drawings
    editor.goto(f"/exercises/{exercise.slug}/")
    assert editor.get_by_role("img", name="Lying on the back, hips lifted").count() == 0  # not approved yet

    physio = contexts[2].new_page()
    login(physio, "physio@example.com", DEMO_PASSWORD)
    physio.goto(f"/admin/programs/exercise/{exercise.pk}/change/")
    physio.get_by_role("link", name="See them and approve them").click()
    assert physio.get_by_role("img", name="Lying on the back, hips lifted").get_attribute("src") == f"/media/{stored}"
    with physio.expect_navigation():
        physio.get_by_role("button", name="Approve and make live").click()
    assert "The change is live" in physio.locator(".messagelist").inner_text()

    editor.goto(f"/exercises/{exercise.slug}/")
    picture = editor.get_by_role("img", name="Lying on the back, hips lifted")
    assert picture.get_attribute("src") == f"/media/{stored}"
    picture.evaluate("img => img.decode()")  # rejects if the browser could not load it
    assert picture.evaluate("img => img.naturalWidth") == 64

    patient = contexts[1].new_page()
    login(patient, "patient@example.com", DEMO_PASSWORD)
    patient.goto("/my/")
    on_today = patient.get_by_role("img", name="Lying on the back, hips lifted")
    on_today.scroll_into_view_if_needed()  # loading="lazy"
    on_today.evaluate("img => img.decode()")
    assert on_today.evaluate("img => img.naturalWidth") == 64

    handout = patient.request.get(f"/my/programs/{program.pk}/handout.pdf")
    assert handout.ok and handout.headers["content-type"] == "application/pdf"
    listing = subprocess.run(["pdfimages", "-list", "-"], input=handout.body(), capture_output=True, check=True)
    assert ("64", "48") in re.findall(r"^\s*\d+\s+\d+\s+image\s+(\d+)\s+(\d+)", listing.stdout.decode(), re.M)
