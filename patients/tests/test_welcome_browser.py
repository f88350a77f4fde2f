"""The invitation link in Chromium: choose a password at 320 px, land on /my/; a used link explains itself."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail

from patients import services
from portal.models import OutboundEmail
from portal.outbox.services import deliver_email
from testing.services import screenshot

pytestmark = pytest.mark.browser
WELCOME = re.compile(r"https?://[^/\s]+(/accounts/welcome/[^/\s]+/[^/\s]+/)")


def test_patient_chooses_a_password_from_the_invitation_and_a_used_link_offers_a_new_one(
    browser_page, clinic, physio, password
):
    patient = services.create_patient(
        clinic=clinic, primary_physio=physio, email="nia@test.example", first_name="Nia", last_name="Lee"
    )
    deliver_email(email_id=OutboundEmail.objects.get(kind="invitation").pk)
    path = WELCOME.search(mail.outbox[0].body).group(1)
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 800})

    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Nia"
    assert Axe().run(page).violations_count == 0
    screenshot(page, "patients-welcome")
    page.locator("#id_new_password1").fill(password)
    page.locator("#id_new_password2").fill(password)
    page.get_by_role("button", name="Save password and continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/my/")
    patient.user.refresh_from_db()
    assert patient.user.has_usable_password()

    page.context.clear_cookies()
    page.goto(path)
    assert "expired or was already used" in page.get_by_role("heading", level=1).inner_text()
    assert Axe().run(page).violations_count == 0
    screenshot(page, "patients-welcome-expired")
    page.get_by_role("link", name="Send me a new link").click()
    page.locator("#id_email").fill("nia@test.example")
    page.get_by_role("button", name="Send a new link").click()
    assert "a new link is on its way" in page.get_by_role("status").inner_text()
