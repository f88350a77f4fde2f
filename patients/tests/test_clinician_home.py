"""The clinician's home: staff land on it after logging in; a physio sees their own caseload (alerts first, acted on
in place with a note), a clinic admin the clinic's and the outbox's failures, an editor the review queue; it costs
the same queries with 10 patients as with 1,000."""

import datetime
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients import services
from patients.models import Alert, CheckInSchedule, SessionLog
from patients.questionnaires import Questionnaire
from patients.tests.factories import PatientFactory
from portal.models import Patient
from programs.models import Program, ProgramPhase
from programs.services import assign_program
from programs.tests.factories import make_template
from testing.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db
HOME = "/admin/"


def alert(patient, key: str, severity=Alert.Severity.CRITICAL) -> Alert:
    return services.raise_alert(
        patient=patient, kind=Alert.Kind.PAIN_HIGH, severity=severity, key=key, message=f"Pain 9/10 ({key})"
    )


def test_staff_land_on_the_home_and_patients_where_they_did(client, physio, patient, password):
    response = client.post("/accounts/login/", {"username": physio.email, "password": password})
    assert response.status_code == 302 and response["Location"] == HOME
    client.post("/admin/logout/")
    response = client.post("/accounts/login/", {"username": patient.user.email, "password": password})
    assert response["Location"] != HOME
    client.logout()
    response = client.post(
        "/accounts/login/?next=/admin/programs/program/", {"username": physio.email, "password": password}
    )
    assert response["Location"] == "/admin/programs/program/"  # a `next` still wins


@pytest.fixture
def colleague(clinic):
    return get_user_model().objects.create_user(
        email="colleague@example.com", password="x", clinic=clinic, is_staff=True
    )


def test_a_physio_sees_their_own_caseload_first_with_alerts_at_the_top(
    client, physio, patient, patient2, colleague, clinic
):
    template = make_template(phases=1, items_per_phase=1, weeks=2)
    start = timezone.localdate() - datetime.timedelta(days=6)
    assign_program(patient=patient, physio=physio, template=template, start_date=start)  # ends within 2 weeks
    Program.objects.filter(patient=patient).update(created_at=timezone.now() - datetime.timedelta(days=6))
    alert(patient, "mine-low", severity=Alert.Severity.LOW)
    alert(patient, "mine")
    alert(patient2, "other-clinic")
    alert(PatientFactory(clinic=clinic, primary_physio=colleague), "colleagues")
    client.force_login(physio)

    html = client.get(HOME).content.decode()

    assert "Showing your patients." in html
    assert html.index("Pain 9/10 (mine)") < html.index("Pain 9/10 (mine-low)")  # critical before low
    assert "other-clinic" not in html and "colleagues" not in html
    assert html.index("Alerts to deal with") < html.index("Check-ins due") < html.index("Articles due")
    assert f"/admin/portal/patient/{patient.pk}/progress/" in html  # one click from the patient
    assert "no session since the programme started" in html  # went quiet
    assert "ends " in html and "Programmes ending in the next two weeks" in html
    assert "Emails that failed" not in html  # the clinic admin's


def test_acknowledge_and_resolve_in_place_with_a_note(client, physio, patient):
    raised = alert(patient, "flare")
    client.force_login(physio)

    response = client.post(f"/admin/patients/alert/{raised.pk}/acknowledge/", {"note": "Phoned, booked in"})
    assert response.status_code == 302 and response["Location"] == HOME
    raised.refresh_from_db()
    assert (raised.acknowledged_by, raised.acknowledged_note) == (physio, "Phoned, booked in")

    response = client.post(f"/admin/patients/alert/{raised.pk}/resolve/", {"note": "  "}, follow=True)
    assert "Not saved: Write the outcome" in response.content.decode()
    raised.refresh_from_db()
    assert raised.resolved_at is None

    response = client.post(f"/admin/patients/alert/{raised.pk}/resolve/", {"note": "Seen in clinic"}, follow=True)
    assert f"Resolved the alert for {patient}." in response.content.decode()
    raised.refresh_from_db()
    assert (raised.resolved_by, raised.resolved_note) == (physio, "Seen in clinic")
    assert "Pain 9/10 (flare)" not in client.get(HOME).content.decode()
    assert client.get(f"/admin/patients/alert/{raised.pk}/resolve/").status_code == 405


def test_another_clinics_alert_cannot_be_acted_on(client, physio2, patient):
    raised = alert(patient, "flare")
    client.force_login(physio2)
    assert client.post(f"/admin/patients/alert/{raised.pk}/acknowledge/", {"note": "x"}).status_code == 404
    raised.refresh_from_db()
    assert raised.acknowledged_at is None


def test_a_clinic_admin_sees_the_clinic_and_the_outbox_failures_and_an_editor_the_review_queue(
    client, clinic_admin, editor, patient, colleague, clinic, clinic2
):
    alert(PatientFactory(clinic=clinic, primary_physio=colleague), "colleagues")
    OutboundEmailFactory(clinic=clinic, status="failed", last_error="Mailbox unavailable", recipient="a@example.com")
    OutboundEmailFactory(clinic=clinic2, status="failed", last_error="elsewhere", recipient="b@example.com")
    client.force_login(clinic_admin)
    html = client.get(HOME).content.decode()
    assert "Showing the clinic&#x27;s patients." in html and "Pain 9/10 (colleagues)" in html
    assert "Emails that failed" in html and "Mailbox unavailable" in html and "elsewhere" not in html

    client.force_login(editor)
    html = client.get(HOME).content.decode()
    assert "Articles due for clinical review" in html
    assert "Alerts to deal with" not in html


# --- query counts: flat from 10 to 1,000 patients ------------------------------------------------------------


def caseload_of(count: int, clinic, physio, tag: str) -> None:
    """`count` patients of `physio`, each with an active programme, a session, a check-in due and an alert."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"{tag}{i}@example.com", first_name="P", last_name=f"{tag}{i}", clinic=clinic)
        for i in range(count)
    )
    patients = Patient.objects.bulk_create(Patient(user=u, clinic=clinic, primary_physio=physio) for u in users)
    today = timezone.localdate()
    programs = Program.objects.bulk_create(
        Program(patient=p, physio=physio, title="Home", start_date=today - datetime.timedelta(days=10))
        for p in patients
    )
    ProgramPhase.objects.bulk_create(
        ProgramPhase(
            program=p, order=1, title="One", start_date=p.start_date, end_date=today + datetime.timedelta(days=3)
        )
        for p in programs
    )
    SessionLog.objects.bulk_create(
        SessionLog(
            patient_id=p.patient_id, program=p, performed_on=today - datetime.timedelta(days=5), pain_before=3,
            pain_after=2, difficulty="about_right", token=uuid.uuid4(),
        )
        for p in programs
    )  # fmt: skip
    CheckInSchedule.objects.bulk_create(
        CheckInSchedule(patient=p, questionnaire=Questionnaire.ODI, next_due_on=today) for p in patients
    )
    Alert.objects.bulk_create(
        Alert(patient=p, kind=Alert.Kind.PAIN_HIGH, severity=Alert.Severity.HIGH, key=f"{tag}{p.pk}", message="m")
        for p in patients
    )


@pytest.mark.parametrize("who", ["physio", "clinic_admin"])
def test_the_home_costs_the_same_queries_for_10_and_1000_patients(client, request, clinic, physio, who):
    client.force_login(request.getfixturevalue(who))
    client.get(HOME)  # the first request after force_login stamps the session
    caseload_of(10, clinic, physio, "small")
    with CaptureQueriesContext(connection) as small:
        assert client.get(HOME).status_code == 200
    caseload_of(990, clinic, physio, "large")
    with CaptureQueriesContext(connection) as large:
        response = client.get(HOME)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(response.context["home"].alerts) == 15
    assert len(small) <= 20, len(small)  # 17 today: session, user, permissions, the panels, the app list
