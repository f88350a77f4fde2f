"""The red-flag pathway end to end, with the real things: Chromium, PostgreSQL, Redis, a Celery worker (both
queues) and an SMTP server. Beat's tasks are sent by name to the worker, as beat sends them.

A patient answers the Oswestry check-in with one section blank and "both legs numb" ticked: the flag is saved
all the same, the advice is shown, the physio and the clinic inbox are emailed, Today is on hold and the
evening reminder is not sent. Nobody acknowledges: the other clinicians are emailed. A physio acknowledges
with a note in the admin and resumes the routine.
"""

import datetime
import re
import time

import pytest
from django.utils import timezone

from patients.models import Alert, RedFlagReport
from patients.tests.factories import PatientFactory
from portal import roles
from portal.models import OutboundEmail
from programs.models import Program
from programs.services import assign_program
from programs.tests.factories import make_template
from testing.factories import PASSWORD, StaffFactory
from testing.services import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "urgent@riverside.example"


def emails_to(smtp_server, address: str, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(smtp_server.messages) if m["To"] == address]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no email to {address} within {timeout} s")


def run_beat_task(celery_app, name: str, *, until, timeout: float = 30.0):
    """What beat does: put the task on the broker by name. The worker runs it; wait until `until()` holds."""
    celery_app.send_task(name)
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"{name} did not have its effect within {timeout} s"
        time.sleep(0.1)


@pytest.fixture
def clinic_team(clinic, physio):
    clinic.alert_inbox = INBOX
    clinic.save()
    colleague = StaffFactory(email="colleague@test.example", clinic=clinic, role=roles.PHYSIOTHERAPIST)
    admin = StaffFactory(email="admin@test.example", clinic=clinic, role=roles.CLINIC_ADMIN)
    return colleague, admin


def patient_with_programme(clinic, physio, email):
    # Reminder time 00:00 and no quiet hours: a reminder is due whenever the fan-out runs, unless held.
    patient = PatientFactory(
        user__email=email,
        clinic=clinic,
        primary_physio=physio,
        reminder_time=datetime.time(0, 0),
        quiet_hours_start=datetime.time(0, 0),
        quiet_hours_end=datetime.time(0, 0),
    )
    template = make_template(phases=1, items_per_phase=2)
    assign_program(
        patient=patient, physio=physio, template=template, start_date=timezone.localdate() - datetime.timedelta(7)
    )
    return patient


def test_a_red_flag_in_an_incomplete_check_in_reaches_the_clinic_holds_the_routine_and_escalates(
    browser_page, live_server, settings, celery_app, celery_worker, smtp_server, require_postgres, clinic, physio,
    clinic_team,
):  # fmt: skip
    settings.SITE_URL = live_server.url
    colleague, clinic_admin = clinic_team
    patient = patient_with_programme(clinic, physio, "sam@test.example")
    control = patient_with_programme(clinic, physio, "alex@test.example")  # no red flag: reminded as usual
    page = browser_page
    login(page, "sam@test.example", PASSWORD)

    # The ODI with section 3 left blank and "both legs numb" ticked.
    page.goto("/my/check-in/odi/")
    for section in (1, 2, 4, 5, 6, 7, 8, 9, 10):
        page.locator(f"input[name=section_{section}][value='2']").check()
    page.get_by_role("checkbox", name=re.compile("^Numbness, pins and needles or weakness in both legs")).check()
    live = page.locator("[data-red-flag-advice=emergency]")
    assert live.is_visible() and "Nobody has been told yet" in live.inner_text()  # before sending: no claim
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()

    advice = page.locator("#red-flag-advice")
    assert advice.get_by_role("heading", name="Get emergency help now").is_visible()
    assert "We have saved this and raised an alert for your clinic team" in advice.inner_text()
    assert "Call 999 or go to A&E now" in advice.inner_text()
    assert page.get_by_text("This field is required.").first.is_visible()  # the blank section, still to answer
    screenshot(page, "red-flag-saved")
    assert RedFlagReport.objects.get(patient=patient).flags == ["both_legs_numb"]

    # The physio and the clinic inbox receive the alert, with every flag and no health detail in the subject.
    for address in (physio.email, INBOX):
        email = emails_to(smtp_server, address)[0]
        assert email["Subject"] == "Critical: a patient needs your attention"
        assert "Numbness, pins and needles or weakness in both legs" in email.get_body(("plain",)).get_content()

    # Today is on hold; beat's reminder fan-out reminds the control patient but not this one.
    page.goto("/my/")
    assert page.get_by_role("heading", name="Your exercises are on hold").is_visible()
    assert page.get_by_role("button", name="Save my session").count() == 0
    screenshot(page, "my-today-on-hold")
    reminders = OutboundEmail.objects.filter(kind="reminder")
    run_beat_task(celery_app, "patients.fan_out_reminders", until=reminders.exists)
    # One insert per batch of 2,000 patients: had the fan-out queued Sam's, it would be there with Alex's.
    assert set(reminders.values_list("recipient", flat=True)) == {control.user.email}

    # Nobody acknowledges: once the clinic's 30 minutes have passed, beat's sweep escalates to every clinician.
    alert = Alert.objects.get(patient=patient)
    assert abs(alert.escalate_at - alert.created_at - datetime.timedelta(minutes=30)) < datetime.timedelta(seconds=1)
    Alert.objects.filter(pk=alert.pk).update(escalate_at=timezone.now() - datetime.timedelta(seconds=1))
    run_beat_task(celery_app, "patients.escalate_alerts", until=lambda: Alert.objects.get(pk=alert.pk).escalated_at)
    for address in (colleague.email, clinic_admin.email):
        email = emails_to(smtp_server, address)[0]
        assert email["Subject"] == "Not yet acknowledged: Critical: a patient needs your attention"

    # The physio acknowledges with a note, then resumes the routine with another, in the admin.
    staff = page.context.browser.new_context(base_url=live_server.url)
    admin_page = staff.new_page()
    login(admin_page, physio.email, PASSWORD)
    admin_page.goto("/admin/patients/alert/")
    screenshot(admin_page, "admin-alerts")

    def apply_action(label: str, note: str):
        admin_page.locator(f"input.action-select[value='{alert.pk}']").check()
        admin_page.locator("select[name=action]").select_option(label=label)
        with admin_page.expect_navigation():
            admin_page.get_by_role("button", name="Go").click()
        admin_page.locator("textarea[name=note]").fill(note)
        with admin_page.expect_navigation():
            admin_page.locator("input[type=submit].default").click()

    apply_action("Acknowledge selected alerts (I am dealing with them)", "Phoned Sam: going to A&E now.")
    assert admin_page.get_by_text("Acknowledged 1 alert(s).").is_visible()
    apply_action("Resume the routine of the selected alerts' patients", "MRI in A&E: no cauda equina. Carry on gently.")
    assert admin_page.get_by_text("Resumed the routine of 1 patient(s).").is_visible()
    staff.close()

    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_note) == (physio, "Phoned Sam: going to A&E now.")
    assert (alert.hold_lifted_by, alert.hold_note) == (physio, "MRI in A&E: no cauda equina. Carry on gently.")
    assert patient.programs.get().status == Program.Status.ACTIVE
    page.goto("/my/")
    assert page.get_by_role("button", name="Save my session").is_visible()
