"""End to end, with the real things: PostgreSQL, Redis, a Celery worker and an SMTP server (aiosmtpd)."""

import re
import time

import pytest

from patients.tests.test_check_ins import odi_post
from portal.models import OutboundEmail, Patient
from portal.outbox.services import opt_out
from programs.tests.factories import make_template
from testing.services import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
WELCOME = re.compile(r"https?://[^/\s]+(/accounts/welcome/[^/\s]+/[^/\s]+/)")


def test_physio_creates_a_patient_and_assigns_a_program_in_the_admin_and_the_emails_arrive(
    client, physio, celery_worker, smtp_server, require_postgres, password
):
    client.force_login(physio)
    response = client.post(
        "/admin/portal/patient/add/",
        {
            "email": "new.patient@test.example",
            "first_name": "Nia",
            "last_name": "Lee",
            "primary_physio": physio.pk,
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 302
    patient = Patient.objects.get(user__email="new.patient@test.example")
    (invitation,) = smtp_server.wait_for(1)
    assert invitation["To"] == "new.patient@test.example"
    assert invitation["Subject"] == "Your Riverside account: choose your password"
    assert invitation["Message-ID"] == OutboundEmail.objects.get(kind="invitation").message_id
    assert invitation["List-Unsubscribe"].strip().startswith("<http")
    text = invitation.get_body(("plain",)).get_content()
    assert invitation.get_body(("html",)) is not None

    template = make_template(phases=1, items_per_phase=2)
    template.name = "Lumbar disc rehab"
    template.save()
    response = client.post(
        "/admin/programs/program/assign/",
        {"patient": patient.pk, "template": template.pk, "start_date": "2026-02-02", "goals": ""},
    )
    assert response.status_code == 302
    program_email = smtp_server.wait_for(2)[1]
    assert program_email["Subject"] == "Your exercise programme is ready"
    assert "Lumbar" not in program_email["Subject"] and "disc" not in program_email["Subject"]
    assert "/my/" in program_email.get_body(("plain",)).get_content()
    assert program_email["List-Unsubscribe"] and program_email["Message-ID"]

    # The patient follows the invitation link as it arrived, chooses a password and lands on /my/.
    client.logout()
    response = client.get(WELCOME.search(text).group(1))
    response = client.post(response["Location"], {"new_password1": password, "new_password2": password})
    assert response.status_code == 302 and response["Location"] == "/my/"
    assert client.session["_auth_user_id"] == str(patient.user_id)


def test_red_flag_check_in_emails_the_physio_within_seconds_even_when_opted_out(
    client, patient, physio, celery_worker, smtp_server, require_postgres
):
    opt_out(email=physio.email, group="all")  # urgent alerts are never suppressed
    client.force_login(patient.user)
    started = time.monotonic()
    response = client.post("/my/check-in/odi/", odi_post(red_flags=["saddle_numbness"]))
    assert response.status_code == 302
    (message,) = smtp_server.wait_for(1, timeout=20)
    assert time.monotonic() - started < 20
    assert message["To"] == physio.email
    assert message["Subject"] == "Critical: a patient needs your attention"
    assert message["List-Unsubscribe"] is None and message["Message-ID"]
    body = message.get_body(("plain",)).get_content()
    assert "Critical alert" in body and "Red-flag symptoms" in body and str(patient) in body
    wait_until(lambda: OutboundEmail.objects.filter(kind="alert", status="sent").exists(), what="alert marked sent")
