"""The patient's whole first day, in Chromium, with the real things: PostgreSQL, Redis, a Celery worker
and an SMTP server. The invitation is opened from the email as it arrived; the red flag reaches the physio
as an email."""

import re
import time

import pytest

from patients import services
from programs.services import assign_program
from programs.tests.factories import ProgramTemplateFactory, TemplateItemFactory, TemplatePhaseFactory

pytestmark = pytest.mark.django_db(transaction=True)
WELCOME = re.compile(r"https?://[^/\s]+(/accounts/welcome/[^/\s]+/[^/\s]+/)")
PASSWORD = "a-long-Passw0rd!"


def wait_for_email_to(smtp_server, address: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(smtp_server.messages) if m["To"] == address]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no email to {address} within {timeout} s")


def test_invited_patient_sets_a_password_logs_a_session_and_a_red_flag_reaches_the_physio(
    browser_page, live_server, settings, celery_worker, smtp_server, require_postgres, clinic, physio
):
    settings.SITE_URL = live_server.url
    patient = services.create_patient(
        clinic=clinic, primary_physio=physio, email="sam@test.example", first_name="Sam", last_name="Taylor"
    )
    template = ProgramTemplateFactory()
    phase = TemplatePhaseFactory(template=template, order=1, title="Weeks 1–2", duration_weeks=2)
    TemplateItemFactory(phase=phase, order=1, hold_seconds=2, sets=1, reps=2)
    assign_program(patient=patient, physio=physio, template=template, start_date=patient.created_at.date())

    # The invitation as it arrived at the SMTP server.
    invitation = wait_for_email_to(smtp_server, "sam@test.example", timeout=20)
    link = WELCOME.search(invitation.get_body(("plain",)).get_content()).group(1)
    page = browser_page
    page.goto(link)
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    page.wait_for_url("**/my/")

    # Today's routine, as the plain form (the session player has its own test).
    page.get_by_role("checkbox", name=re.compile(r"^I did ")).first.check()
    page.get_by_label("Pain before you started").fill("6")
    page.get_by_label("Pain after you finished").fill("4")
    page.get_by_role("radio", name="About right").check()
    page.get_by_role("checkbox", name="None of these").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save my session").click()
    assert "/my/sessions/" in page.url
    session_day = patient.session_logs.get().performed_on

    # A check-in with one red flag: the emergency advice comes first, and the physio is emailed.
    page.goto("/my/check-in/groc/")
    page.get_by_role("radio", name=re.compile(r"^\+2 ")).check()
    page.get_by_role("checkbox", name=re.compile("^Weakness in a leg that is getting worse")).check()
    assert page.get_by_role("heading", name="Get emergency help now").is_visible()  # shown at once, before sending
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    advice = page.get_by_role("heading", name="Get emergency help now")
    assert advice.is_visible()
    assert advice.bounding_box()["y"] < page.get_by_role("heading", level=1).bounding_box()["y"]

    alert_email = wait_for_email_to(smtp_server, physio.email, timeout=60)  # "within a minute"
    subject = alert_email["Subject"].lower()
    assert not any(word in subject for word in ("weakness", "cauda", "bladder", "bowel", "red flag"))
    assert "Sam Taylor" in alert_email.get_body(("plain",)).get_content()

    # The progress page shows today's new point on the pain chart.
    page.goto("/my/progress/")
    day = f"{session_day:%d %b}"
    assert page.locator("svg circle title", has_text=f"Before {day}: 6").count() == 1
    assert page.locator("svg circle title", has_text=f"After {day}: 4").count() == 1
