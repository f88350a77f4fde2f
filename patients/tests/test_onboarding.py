"""Onboarding: the invitation email, its one-time welcome link, re-sends, and the programme email."""

import datetime
import re

import pytest
from django.core import mail
from django.test import override_settings

from patients import services
from patients.models import Alert
from portal.models import OutboundEmail, Patient
from portal.outbox.services import deliver_email, opt_out
from programs.services import assign_program

START = datetime.date(2026, 3, 2)
WELCOME = re.compile(r"https?://[^/\s]+(/accounts/welcome/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def new_patient(clinic, physio):
    return services.create_patient(
        clinic=clinic, primary_physio=physio, email="New@Test.example", first_name="Nia", last_name="Lee"
    )


def deliver(kind: str) -> OutboundEmail:
    row = OutboundEmail.objects.filter(kind=kind).latest("pk")
    deliver_email(email_id=row.pk)
    row.refresh_from_db()
    return row


def welcome_path(message) -> str:
    return WELCOME.search(message.body).group(1)


def test_creating_a_patient_queues_one_invitation_with_a_one_time_link(new_patient):
    row = OutboundEmail.objects.get(kind="invitation")
    assert row.key == f"invitation:{new_patient.pk}" and row.recipient == "new@test.example"
    assert row.context == {"patient_id": new_patient.pk}
    assert deliver("invitation").status == "sent"
    (message,) = mail.outbox
    assert message.subject == "Your Riverside account: choose your password"
    assert "/accounts/welcome/" in message.body and "programme" not in message.body
    assert message.extra_headers["Message-ID"] == row.message_id


def test_outbox_admin_preview_of_an_invitation_shows_no_working_link(client, clinic_admin, new_patient):
    row = OutboundEmail.objects.get(kind="invitation")
    client.force_login(clinic_admin)
    html = client.get(f"/admin/portal/outboundemail/{row.pk}/change/").content.decode()
    assert "a one-time link, made when the email is sent" in html and "/accounts/welcome/" not in html


def test_welcome_link_sets_the_password_logs_in_lands_on_my_and_works_once(client, new_patient, password):
    deliver("invitation")
    path = welcome_path(mail.outbox[0])
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    form_page = client.get(response["Location"])
    assert form_page.context["validlink"] and b"Nia" in form_page.content
    response = client.post(response["Location"], {"new_password1": password, "new_password2": password})
    assert response.status_code == 302 and response["Location"] == "/my/"
    assert client.session["_auth_user_id"] == str(new_patient.user.pk)
    new_patient.user.refresh_from_db()
    assert new_patient.user.check_password(password)

    client.logout()
    used = client.get(path, follow=True)
    assert used.context["validlink"] is False
    assert "expired or was already used" in used.content.decode()
    assert b"/accounts/welcome/new/" in used.content


def test_welcome_link_expires(client, new_patient, settings):
    deliver("invitation")
    path = welcome_path(mail.outbox[0])
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        response = client.get(path, follow=True)
    assert response.context["validlink"] is False


def test_welcome_link_of_an_archived_patient_does_not_log_in(client, new_patient, physio):
    deliver("invitation")
    services.archive_patients(patients=Patient.objects.filter(pk=new_patient.pk), by=physio)
    response = client.get(welcome_path(mail.outbox[0]), follow=True)
    assert response.context["validlink"] is False


def test_asking_for_a_new_link_sends_one_a_day_and_reveals_nothing(client, new_patient):
    for email in ["new@test.example", "NEW@test.example", "nobody@test.example"]:
        response = client.post("/accounts/welcome/new/", {"email": email})
        assert response.status_code == 200 and "If this address belongs to a patient" in response.content.decode()
    assert OutboundEmail.objects.filter(kind="invitation").count() == 2  # the first and one new
    assert "Enter a valid email address" in client.post("/accounts/welcome/new/", {"email": "x"}).content.decode()


def test_physio_resends_the_invitation_from_the_admin(client, physio, new_patient, patient):
    client.force_login(physio)
    response = client.post(
        "/admin/portal/patient/",
        {"action": "resend_invitation", "_selected_action": [new_patient.pk, patient.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "Queued 1 invitation(s)." in html and "Skipped 1" in html  # `patient` has a password already
    keys = sorted(OutboundEmail.objects.filter(kind="invitation").values_list("key", flat=True))
    assert keys[0] == f"invitation:{new_patient.pk}" and keys[1].startswith(f"invitation:{new_patient.pk}:resend:")


def test_patient_admin_shows_password_state_and_opt_outs(client, physio, patient):
    opt_out(email=patient.user.email, group="reminders")
    client.force_login(physio)
    html = client.get(f"/admin/portal/patient/{patient.pk}/change/").content.decode()
    assert "Emails turned off by the patient" in html and "reminders" in html


# --- the programme email ---------------------------------------------------------------------------


def test_program_assigned_email_has_no_health_detail_in_the_subject(patient, physio):
    assign_program(patient=patient, physio=physio, start_date=START, goals="Ease sciatica", title="Sciatica plan")
    assert deliver("program_assigned").status == "sent"
    (message,) = mail.outbox
    assert message.subject == "Your exercise programme is ready"
    assert "/my/" in message.body and "invitation" not in message.body
    assert "List-Unsubscribe" in message.extra_headers


def test_program_email_is_skipped_while_the_invitation_is_still_to_go_and_the_invitation_mentions_it(
    new_patient, physio
):
    assign_program(patient=new_patient, physio=physio, start_date=START)
    program_row = deliver("program_assigned")
    assert program_row.status == "cancelled" and "invitation" in program_row.cancel_reason
    assert deliver("invitation").status == "sent"
    (message,) = mail.outbox
    assert "Your exercise programme is ready and waiting for you" in message.body


def test_program_email_after_an_invitation_already_sent_points_to_the_invitation(new_patient, physio):
    deliver("invitation")
    assign_program(patient=new_patient, physio=physio, start_date=START)
    assert deliver("program_assigned").status == "sent"
    assert "use the link in your invitation email" in mail.outbox[1].body


# --- urgent alerts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "emailed"),
    [(Alert.Severity.URGENT, True), (Alert.Severity.CRITICAL, True), (Alert.Severity.HIGH, False), (4, False)],
)
def test_urgent_and_critical_alerts_are_emailed_to_the_primary_physio_once(patient, physio, severity, emailed):
    for _ in range(2):
        services.raise_alert(patient=patient, kind=Alert.Kind.PAIN_HIGH, severity=severity, key="k", message="m")
    rows = OutboundEmail.objects.filter(kind="alert")
    assert rows.count() == (1 if emailed else 0)
    if emailed:
        assert rows.get().recipient == physio.email and rows.get().urgent


def test_alert_email_ignores_opt_outs_and_has_no_unsubscribe(patient, physio):
    opt_out(email=physio.email, group="all")
    services.raise_alert(
        patient=patient, kind=Alert.Kind.RED_FLAG, severity=Alert.Severity.URGENT, key="r", message="m"
    )
    assert deliver("alert").status == "sent"
    (message,) = mail.outbox
    assert message.subject == "Urgent: a patient needs your attention"
    assert "List-Unsubscribe" not in message.extra_headers
    assert "Red-flag symptoms" in message.body and "/admin/patients/alert/" in message.body
