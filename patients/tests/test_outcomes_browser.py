"""The outcomes pathway from its real triggers, in Chromium with PostgreSQL, Redis, a Celery worker and an SMTP
server: the physio assigns a programme in the admin, beat's check-in task emails the patient, the patient
answers the Oswestry questionnaire from the link in that email, and the physio reads the score on the patient's
progress page."""

import datetime
import re
import time

import pytest
from django.utils import timezone

from patients import services
from patients.tasks import fan_out_check_ins_due
from programs.tests.factories import ProgramTemplateFactory, TemplateItemFactory, TemplatePhaseFactory
from testing.factories import PASSWORD
from testing.services import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHECK_IN_LINK = re.compile(r"https?://[^/\s]+(/my/check-in/\S*)")


def zone_at_midday(now: datetime.datetime) -> str:
    """A time zone where it is about noon now: the check-in email goes out in the patient's morning and
    outside their quiet hours, whatever time the test runs."""
    hours_ahead = 12 - now.astimezone(datetime.UTC).hour  # -11 … +12, all real Etc/GMT zones
    return f"Etc/GMT{-hours_ahead:+d}" if hours_ahead else "Etc/UTC"  # POSIX signs: Etc/GMT-3 is UTC+3


def wait_for_email(smtp_server, address: str, subject: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(smtp_server.messages):
            if message["To"] == address and subject in message["Subject"]:
                return message
        time.sleep(0.1)
    raise AssertionError(f"no email to {address} with {subject!r} in the subject within {timeout} s")


def test_assignment_starts_the_pathway_and_the_physio_reads_the_answer(
    browser_page, live_server, settings, celery_worker, smtp_server, require_postgres, clinic, physio
):
    settings.SITE_URL = live_server.url
    patient = services.create_patient(
        clinic=clinic,
        primary_physio=physio,
        email="robin@test.example",
        first_name="Robin",
        last_name="Hughes",
        timezone=zone_at_midday(timezone.now()),
    )
    patient.user.set_password(PASSWORD)  # the invitation is another test's journey
    patient.user.save()
    template = ProgramTemplateFactory(name="Back to walking")
    phase = TemplatePhaseFactory(template=template, order=1, title="Weeks 1–2", duration_weeks=2)
    TemplateItemFactory(phase=phase, order=1)
    assert not patient.check_in_schedules.exists()

    # The physio assigns the programme from the admin, starting today where the patient lives.
    page = browser_page
    login(page, physio.email, PASSWORD)
    page.goto(f"/admin/programs/program/assign/?patient={patient.pk}")
    page.get_by_label("Template").select_option(label="Back to walking")
    page.get_by_label("Start date").fill(patient.local_today().isoformat())
    page.get_by_role("button", name="Assign program").click()
    page.wait_for_load_state()
    assert "Assigned" in page.locator(".messagelist").inner_text()
    assert patient.check_in_schedules.filter(active=True).count() >= 2  # the clinic's default pathway

    # Beat's task, run by the worker: the patient is emailed that today's check-ins are due.
    fan_out_check_ins_due.delay()
    email = wait_for_email(smtp_server, patient.user.email, "check-in", timeout=30)
    body = email.get_body(("plain",)).get_content()
    assert "Oswestry" in body and "STarT Back" in body
    link = CHECK_IN_LINK.search(body).group(1)

    # The patient follows the link, logs in and answers the Oswestry questionnaire.
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label("Email address").fill(patient.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/my/check-in/**")
    page.get_by_role("link", name=re.compile("Start .*Oswestry")).click()
    for section in range(1, 11):
        page.locator(f"input[name=section_{section}][value='2']").check()
    page.get_by_role("checkbox", name="None of these").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("What it means").is_visible()

    # The physio sees the answer, scored and banded, on the patient's progress page.
    page.context.clear_cookies()
    login(page, physio.email, PASSWORD)
    page.goto(f"/admin/portal/patient/{patient.pk}/progress/")
    oswestry = page.locator("xpath=//h3[contains(., 'Oswestry')]/following-sibling::table[1]")
    cells = oswestry.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:3] == ["40", "moderate"]
