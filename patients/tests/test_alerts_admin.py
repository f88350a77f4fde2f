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
        severity=Alert.Severity.CRITICAL,
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


def test_acknowledge_and_resolve_actions_report_counts(client, physio, patient):
    red_flag(patient)
    alert = Alert.objects.get()
    client.force_login(physio)
    response = client.post(
        "/admin/patients/alert/", {"action": "acknowledge", "_selected_action": [alert.pk]}, follow=True
    )
    assert "Acknowledged 1 alert(s)." in response.content.decode()
    response = client.post("/admin/patients/alert/", {"action": "resolve", "_selected_action": [alert.pk]}, follow=True)
    assert "Resolved 1 alert(s)." in response.content.decode()
    alert.refresh_from_db()
    assert alert.resolved_by == physio and alert.acknowledged_by == physio
    assert client.get("/admin/patients/alert/").context["cl"].result_count == 0  # open only by default
    assert client.get("/admin/patients/alert/?status=resolved").context["cl"].result_count == 1


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
