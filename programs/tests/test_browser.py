"""One walk through the admin as the demo physio: assign a template, reorder with the keyboard, change a dosage."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from programs.models import Program, ProgramChange
from testing.services import login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def _item_orders(page) -> list[str]:
    return page.locator("#items-group .inline-related.has_original input[name$='-order']").evaluate_all(
        "inputs => inputs.map(i => i.value)"
    )


def test_physio_assigns_a_template_reorders_and_changes_a_dosage(demo, browser_page, live_server):
    page = browser_page
    login(page, "physio@example.com", DEMO_PASSWORD)

    page.goto("/admin/programs/program/")
    page.get_by_role("link", name="Assign a programme to a patient").click()
    page.locator(".field-patient .select2-selection").click()
    page.locator(".select2-search__field").fill("Jordan")
    page.locator(".select2-results__option", has_text="Jordan Evans").click()
    page.get_by_label("Template").select_option(label="Low back pain down both legs: back to activity")
    page.get_by_label("Start date").fill("2026-12-01")
    page.get_by_role("button", name="Assign program").click()
    page.wait_for_load_state()
    assert "Assigned" in page.locator(".messagelist").inner_text()

    program = Program.objects.get(patient__user__email="patient2@example.com")
    assert program.physio.email == "physio@example.com"
    assert program.items.count() == 12

    # Move the second exercise above the first with the keyboard: the script renumbers the order fields.
    rows = page.locator("#items-group .inline-related.has_original")
    first_name = rows.nth(0).locator(".field-exercise .select2-selection__rendered").inner_text()
    second_name = rows.nth(1).locator(".field-exercise .select2-selection__rendered").inner_text()
    move_up = page.get_by_role("button", name=f"Move up: {second_name}")
    move_up.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Move up: {second_name}"
    assert _item_orders(page)[:2] == ["1", "2"]
    assert rows.nth(1).locator(".field-exercise .select2-selection__rendered").inner_text() == first_name
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the cards wrap: no sideways scroll

    sets = rows.nth(0).locator("input[name$='-sets']")
    sets.fill("3")
    screenshot(page, "admin-program-editor")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    moved = program.items.get(order=1, phase__order=1)
    assert moved.sets == 3
    change = program.changes.filter(action=ProgramChange.Action.ITEM_UPDATED, item=moved).get()
    assert change.actor.email == "physio@example.com"
    assert change.after["sets"] == 3

    page.goto("/exercises/")
    assert page.get_by_role("heading", name="Exercises", level=1).is_visible()
    assert page.get_by_role("link", name="Knee to chest").is_visible()
    screenshot(page, "exercises")

    # The public pages stay usable on a phone and pass axe's checks.
    page.set_viewport_size({"width": 320, "height": 800})
    for url in ("/exercises/", "/exercises/knee-to-chest/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()

    # The demo patient's printable handout, in their own browser session.
    own = Program.objects.get(patient__user__email="patient@example.com")
    context = page.context.browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 800})
    try:
        patient_page = context.new_page()
        login(patient_page, "patient@example.com", DEMO_PASSWORD)
        patient_page.goto(f"/my/programs/{own.pk}/handout/")
        assert patient_page.get_by_role("heading", name=own.title, level=1).is_visible()
        assert patient_page.get_by_role("link", name="Download as PDF").is_visible()
        assert patient_page.evaluate("document.documentElement.scrollWidth") <= 320
        results = Axe().run(patient_page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
