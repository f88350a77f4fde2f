"""The patient and alert lists cost the same number of queries for 3 rows as for more than a page of them."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients import services
from patients.models import Alert, ExerciseLog, SessionLog
from patients.tests.factories import PatientFactory
from portal.audit import AuditEvent
from programs.services import assign_program
from programs.tests.factories import make_template

PATIENTS = "/admin/portal/patient/"
ALERTS = "/admin/patients/alert/"
MAX_QUERIES = 12


def _queries(client, url: str, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _patients_with_alerts(count: int, clinic, physio, prefix: str) -> None:
    for index in range(count):
        patient = PatientFactory(clinic=clinic, primary_physio=physio)
        kind, severity = Alert.Kind.PAIN_HIGH, Alert.Severity.HIGH
        services.raise_alert(patient=patient, kind=kind, severity=severity, key=f"{prefix}{index}", message="m")


@pytest.mark.parametrize("url", [PATIENTS, ALERTS])
@pytest.mark.parametrize("who", ["physio", "superuser"])
def test_changelist_queries_are_capped_and_do_not_grow_past_a_page_of_rows(
    client, request, clinic, physio, who, url, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(who))
    client.get(url)  # the first request after force_login stamps the session (portal.sessions)
    _patients_with_alerts(3, clinic, physio, "small")
    small = _queries(client, url, django_assert_max_num_queries)
    _patients_with_alerts(60, clinic, physio, "large")  # more than a page (50)
    large = _queries(client, url, django_assert_max_num_queries)
    assert large == small, (url, small, large)


def test_patient_list_is_newest_first_fifty_a_page_and_still_audited(client, physio, clinic):
    client.force_login(physio)
    _patients_with_alerts(55, clinic, physio, "p")
    response = client.get(PATIENTS)
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 50
    assert [p.created_at for p in rows] == sorted((p.created_at for p in rows), reverse=True)
    assert AuditEvent.objects.filter(actor=physio, action=AuditEvent.Action.LIST, model="portal.Patient").exists()


def test_patient_list_action_checkbox_keeps_djangos_markup(client, physio, patient):
    client.force_login(physio)
    html = client.get(PATIENTS).content.decode()
    assert (
        f'<input type="checkbox" name="_selected_action" value="{patient.pk}" class="action-select" '
        f'aria-label="Select this object for an action - {patient}">'
    ) in html


def _sessions(count: int, patient, program, prefix: int) -> None:
    """History going back months: written directly (a patient may log only the last two weeks)."""
    item = program.items.first()
    for index in range(count):
        session = SessionLog.objects.create(
            patient=patient,
            program=program,
            phase_id=program.current_phase_id,
            performed_on=datetime.date.today() - datetime.timedelta(days=prefix + index),
            pain_before=3,
            pain_after=2,
            difficulty="about_right",
            token=uuid.uuid4(),
        )
        ExerciseLog.objects.create(
            session=session, item=item, sets_done=1, reps_done=5, side=item.side, prescribed=item.prescribed_dosage()
        )


def test_session_log_list_queries_do_not_grow(client, physio, patient, django_assert_max_num_queries):
    program = assign_program(
        patient=patient,
        physio=physio,
        template=make_template(phases=1, items_per_phase=2),
        start_date=datetime.date.today() - datetime.timedelta(days=100),
    )
    client.force_login(physio)
    client.get("/admin/patients/sessionlog/")
    _sessions(3, patient, program, 0)
    small = _queries(client, "/admin/patients/sessionlog/", django_assert_max_num_queries)
    _sessions(60, patient, program, 3)
    large = _queries(client, "/admin/patients/sessionlog/", django_assert_max_num_queries)
    assert large == small
