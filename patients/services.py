from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from patients.models import Patient


@transaction.atomic
def create_patient(
    *,
    clinic,
    primary_physio,
    email: str,
    first_name: str,
    last_name: str,
    date_of_birth=None,
    phone: str = "",
    timezone: str = "Europe/London",
) -> Patient:
    """Create a patient and their login. The login has no usable password until they accept the invitation."""
    if primary_physio.clinic_id != clinic.pk:
        raise ValidationError({"primary_physio": "The primary physiotherapist must work at the patient's clinic."})
    user = get_user_model()(email=email.lower(), first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    patient = Patient(
        user=user,
        clinic=clinic,
        primary_physio=primary_physio,
        date_of_birth=date_of_birth,
        phone=phone,
        timezone=timezone,
    )
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def update_patient(*, patient: Patient, first_name: str, last_name: str, **fields) -> Patient:
    user = patient.user
    user.first_name, user.last_name = first_name, last_name
    user.full_clean()
    user.save(update_fields=["first_name", "last_name"])
    for name, value in fields.items():
        setattr(patient, name, value)
    if patient.primary_physio.clinic_id != patient.clinic_id:
        raise ValidationError({"primary_physio": "The primary physiotherapist must work at the patient's clinic."})
    patient.full_clean()
    patient.save()
    return patient
