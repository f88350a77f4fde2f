from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.tests.test_today_page import history


def progress_url(patient):
    return f"/admin/portal/patient/{patient.pk}/progress/"


def test_the_physio_sees_their_patients_progress_with_open_alerts(client, physio, patient, program, log, today):
    log(pain_before=8, note="Worse after gardening")
    client.force_login(physio)

    html = client.get(progress_url(patient)).content.decode()

    assert "Pain before and after exercise" in html
    assert "Worse after gardening" in html
    assert "Urgent" in html and "Pain 8/10" in html  # the open alert


def test_another_clinics_physio_gets_404(client, physio2, patient, program):
    client.force_login(physio2)
    assert client.get(progress_url(patient)).status_code == 404


def test_the_patient_page_and_list_link_to_progress(client, physio, patient):
    client.force_login(physio)
    assert progress_url(patient) in client.get(f"/admin/portal/patient/{patient.pk}/change/").content.decode()
    assert progress_url(patient) in client.get("/admin/portal/patient/").content.decode()


def test_admin_progress_query_count_does_not_grow_with_history(client, physio, patient, program, today):
    client.force_login(physio)
    history(patient, program, 7, today)
    client.get(progress_url(patient))  # the first request after logging in writes the session once
    with CaptureQueriesContext(connection) as week:
        client.get(progress_url(patient))
    history(patient, program, 365, today - timedelta(days=7))
    with CaptureQueriesContext(connection) as year:
        client.get(progress_url(patient))
    assert len(year) == len(week)
