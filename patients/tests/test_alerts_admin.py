import uuid

from patients import services
from patients.models import Alert
from patients.questionnaires import Questionnaire
from patients.tests.factories import PatientFactory


def red_flag(patient):
    services.submit_check_in(
        patient=patient,
        questionnaire=Questionnaire.GROC,
        answers={"rating": 0},
        red_flags=["leg_weakness"],
        token=uuid.uuid4(),
    )


def test_red_flag_is_the_top_row_of_needs_attention(client, physio, patient, other_patient):
    services.raise_alert(
        patient=other_patient,
        kind=Alert.Kind.NO_SESSION,
        severity=Alert.Severity.LOW,
        key="x",
        message="No session for 49 hours.",
    )
    services.raise_alert(
        patient=other_patient,
        kind=Alert.Kind.PAIN_HIGH,
        severity=Alert.Severity.URGENT,
        key="y",
        message="Pain 8 of 10.",
    )
    red_flag(patient)
    client.force_login(physio)
    rows = client.get("/admin/patients/alert/").context["cl"].result_list
    assert [alert.kind for alert in rows] == ["red_flag", "pain_high", "no_session"]
    assert rows[0].patient == patient


def test_physio_never_sees_another_clinics_alerts(client, physio2, patient):
    red_flag(patient)
    client.force_login(physio2)
    assert client.get("/admin/patients/alert/").context["cl"].result_count == 0
    assert client.get(f"/admin/patients/alert/{Alert.objects.get().pk}/change/").status_code == 404


def test_acknowledge_and_resolve_ask_for_a_note_and_record_who_when_and_what(client, physio, patient):
    red_flag(patient)
    alert = Alert.objects.get()
    client.force_login(physio)
    chosen = {"_selected_action": [alert.pk]}

    page = client.post("/admin/patients/alert/", {"action": "acknowledge", **chosen})
    assert "Acknowledge alerts" in page.content.decode()  # a confirmation page first
    assert Alert.objects.get().acknowledged_at is None
    note = "Phoned the patient: advised A&E now."
    response = client.post(
        "/admin/patients/alert/", {"action": "acknowledge", "apply": "1", "note": note, **chosen}, follow=True
    )
    assert "Acknowledged 1 alert(s)." in response.content.decode()

    refused = client.post("/admin/patients/alert/", {"action": "resolve", "apply": "1", "note": "  ", **chosen})
    assert "This field is required." in refused.content.decode()
    assert Alert.objects.get().resolved_at is None
    outcome = "Seen in A&E, cauda equina ruled out by MRI."
    response = client.post(
        "/admin/patients/alert/", {"action": "resolve", "apply": "1", "note": outcome, **chosen}, follow=True
    )
    assert "Resolved 1 alert(s)." in response.content.decode()
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_note) == (physio, note)
    assert (alert.resolved_by, alert.resolved_note) == (physio, outcome)
    assert client.get("/admin/patients/alert/").context["cl"].result_count == 0  # open only by default


def test_alert_list_query_count_does_not_grow(client, physio, clinic):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/patients/alert/").status_code == 200
        return len(ctx.captured_queries)

    client.force_login(physio)
    client.get("/admin/")  # the first request after force_login stamps the session (portal.sessions)
    for i in range(3):
        p = PatientFactory(clinic=clinic, primary_physio=physio)
        services.raise_alert(patient=p, kind="pain_high", severity=2, key=f"a{i}", message="m")
    small = count_queries()
    for i in range(40):
        p = PatientFactory(clinic=clinic, primary_physio=physio)
        services.raise_alert(patient=p, kind="pain_high", severity=2, key=f"b{i}", message="m")
    assert count_queries() == small
