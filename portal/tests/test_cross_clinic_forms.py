"""No admin form lets a physio of clinic 2 read a name of clinic 1, whatever ids they post.

Every add form of every ModelAdmin is fetched and posted as physio2 with each of its choice fields set to a
clinic 1 row, and the change forms of clinic 2's own records likewise; the responses must not contain the
names of clinic 1's patients, staff or the clinic itself.
"""

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.test import RequestFactory

from patients.tests.factories import PatientFactory
from portal import roles
from portal.models import Patient
from programs.models import Program
from programs.services import assign_program
from testing.factories import StaffFactory

SECRET_NAMES = ["Zebedee", "Quixote", "Riverside"]


@pytest.fixture
def clinic1_rows(clinic, patient, physio):
    """Clinic 1 ("Riverside") with a patient and staff whose names must never reach physio2."""
    patient.user.first_name, patient.user.last_name = "Zebedee", "Quixote"
    patient.user.save()
    physio.first_name, physio.last_name = "Zebedee", "Physio"
    physio.save()
    StaffFactory(email="admin1@test.example", clinic=clinic, role=roles.CLINIC_ADMIN, first_name="Zebedee")
    program = assign_program(patient=patient, physio=physio, start_date=patient.created_at.date())
    return {"patient": patient, "physio": physio, "program": program}


def clinic1_pk(model, clinic):
    """A clinic 1 row of `model`, if the model belongs to a clinic."""
    rows = {
        Patient: Patient.objects.filter(clinic=clinic),
        Program: Program.objects.filter(patient__clinic=clinic),
    }
    from portal.models import Clinic, User

    rows[User] = User.objects.filter(clinic=clinic)
    rows[Clinic] = Clinic.objects.filter(pk=clinic.pk)
    found = rows.get(model)
    return found.values_list("pk", flat=True).first() if found is not None else None


def choice_fields(model_admin, request):
    form = model_admin.get_form(request)
    return {
        name: field
        for name, field in form.base_fields.items()
        if isinstance(field, ModelChoiceField | ModelMultipleChoiceField)
    }


def test_no_add_form_shows_another_clinics_names_for_their_ids(client, physio2, clinic, clinic1_rows):
    client.force_login(physio2)
    request = RequestFactory().get("/")
    request.user = physio2
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
        data = {}
        for name, field in choice_fields(model_admin, request).items():
            pk = clinic1_pk(field.queryset.model, clinic)
            if pk is not None:
                data[name] = [pk] if isinstance(field, ModelMultipleChoiceField) else pk
        if not data:
            continue
        for response in (
            client.get(url, {k: v for k, v in data.items() if not isinstance(v, list)}),
            client.post(url, data),
        ):
            html = response.content.decode()
            assert not [name for name in SECRET_NAMES if name in html], (url, response.status_code)
        checked += 1
    assert checked >= 2  # at least the programme and the patient add forms


def test_the_programme_assign_form_refuses_another_clinics_patient_without_naming_them(
    client, physio2, clinic, clinic1_rows
):
    client.force_login(physio2)
    response = client.post(
        "/admin/programs/program/assign/",
        {"patient": clinic1_rows["patient"].pk, "physio": physio2.pk, "start_date": "2026-12-01"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in html
    assert "Zebedee" not in html and "Quixote" not in html
    assert not Program.objects.filter(physio=physio2).exists()


def test_a_clinic2_change_form_posted_with_clinic1_ids_names_nobody_of_clinic1(
    client, physio2, clinic2, clinic, clinic1_rows
):
    patient2 = PatientFactory(user__email="p2@test.example", clinic=clinic2, primary_physio=physio2)
    client.force_login(physio2)
    url = f"/admin/portal/patient/{patient2.pk}/change/"
    data = {
        "first_name": "A",
        "last_name": "B",
        "primary_physio": clinic1_rows["physio"].pk,
        "timezone": "Europe/London",
    }

    html = client.post(url, data).content.decode()

    assert "Select a valid choice" in html
    assert not [name for name in SECRET_NAMES if name in html]
