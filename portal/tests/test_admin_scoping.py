"""A physio sees only their own clinic's patients and staff; another clinic's record is a 404."""

import pytest


def test_physio_lists_only_their_clinics_patients(client, physio, patient, patient2):
    client.force_login(physio)
    html = client.get("/admin/portal/patient/").content.decode()
    assert patient.user.email in html
    assert patient2.user.email not in html


def test_physio_of_clinic_2_cannot_list_clinic_1_patients(client, physio2, patient, patient2):
    client.force_login(physio2)
    response = client.get("/admin/portal/patient/")
    assert response.status_code == 200
    html = response.content.decode()
    assert patient2.user.email in html
    assert patient.user.email not in html


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_physio_of_clinic_2_gets_404_for_a_clinic_1_patient(client, physio2, patient, view):
    client.force_login(physio2)
    response = client.get(f"/admin/portal/patient/{patient.pk}/{view}/")
    assert response.status_code == 404


def test_missing_and_foreign_patients_look_the_same(client, physio2, patient):
    client.force_login(physio2)
    assert client.get("/admin/portal/patient/999999/change/").status_code == 404


def test_physio_can_open_their_own_clinics_patient(client, physio, patient):
    client.force_login(physio)
    assert client.get(f"/admin/portal/patient/{patient.pk}/change/").status_code == 200


def test_physio_cannot_search_their_way_into_another_clinic(client, physio2, patient):
    client.force_login(physio2)
    response = client.get("/admin/portal/patient/", {"q": patient.user.email})
    assert response.context["cl"].result_count == 0


def test_staff_list_is_scoped_to_the_clinic(client, physio, physio2, clinic_admin):
    client.force_login(clinic_admin)
    html = client.get("/admin/portal/user/").content.decode()
    assert physio.email in html
    assert physio2.email not in html


def test_clinic_admin_cannot_make_anyone_superuser(client, clinic_admin, physio):
    client.force_login(clinic_admin)
    html = client.get(f"/admin/portal/user/{physio.pk}/change/").content.decode()
    assert "is_superuser" not in html


def test_physio_creates_a_patient_in_their_clinic(client, physio):
    client.force_login(physio)
    response = client.post(
        "/admin/portal/patient/add/",
        {
            "email": "New.Patient@Example.com",
            "first_name": "New",
            "last_name": "Patient",
            "primary_physio": physio.pk,
            "timezone": "Europe/London",
            "phone": "",
            "date_of_birth": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    from portal.models import Patient

    created = Patient.objects.get(user__email="new.patient@example.com")
    assert created.clinic_id == physio.clinic_id
    assert not created.user.has_usable_password()


def test_duplicate_patient_email_is_refused_and_form_keeps_input(client, physio, patient):
    client.force_login(physio)
    response = client.post(
        "/admin/portal/patient/add/",
        {
            "email": patient.user.email,
            "first_name": "Typed",
            "last_name": "Name",
            "primary_physio": physio.pk,
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This address cannot be used for a new patient" in html
    assert 'value="Typed"' in html


def test_an_address_in_use_in_another_clinic_is_refused_without_saying_where_and_audited(client, physio2, patient):
    from portal.models import AuditEvent

    client.force_login(physio2)
    data = {"email": patient.user.email, "first_name": "T", "last_name": "N", "primary_physio": physio2.pk}
    html = client.post("/admin/portal/patient/add/", {**data, "timezone": "Europe/London"}).content.decode()

    assert "This address cannot be used for a new patient" in html
    assert "Riverside" not in html and str(patient) not in html
    refused = AuditEvent.objects.get(action="refused")
    assert (refused.actor, refused.clinic_id) == (physio2, physio2.clinic_id)


def test_patients_are_archived_not_deleted_after_a_confirmation_and_the_admin_log_says_who(client, physio, patient):
    from django.contrib.admin.models import LogEntry

    client.force_login(physio)
    action = {"action": "archive", "_selected_action": [patient.pk]}
    confirm = client.post("/admin/portal/patient/", action).content.decode()
    assert "Archive patients: 1 selected." in confirm and str(patient) in confirm
    patient.refresh_from_db()
    assert patient.archived_at is None  # nothing happens before the confirmation

    response = client.post("/admin/portal/patient/", {**action, "apply": "1"}, follow=True)
    assert "Archived 1 patient(s)" in response.content.decode()
    entry = LogEntry.objects.get(object_id=str(patient.pk))
    assert (entry.user, entry.change_message) == (physio, "Archive patients")
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.archived_at is not None and not patient.user.is_active
    assert client.get(f"/admin/portal/patient/{patient.pk}/delete/").status_code == 403


def test_patient_autocomplete_offers_only_the_physios_clinic(client, physio2, patient, patient2):
    client.force_login(physio2)
    response = client.get(
        "/admin/autocomplete/", {"app_label": "programs", "model_name": "program", "field_name": "patient", "term": ""}
    )
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == {patient2.pk}
