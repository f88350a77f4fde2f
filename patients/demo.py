from django.utils import timezone

from patients.services import create_patient
from portal.demo import DEMO_PASSWORD
from portal.models import Patient
from programs.models import Program
from programs.services import assign_program

DEMO_PROGRAM_TEMPLATE = "lbp-both-legs-gentle-start"

PATIENTS = [
    ("patient", "patient@example.com", "Sam", "Taylor", "physio"),
    ("patient2", "patient2@example.com", "Jordan", "Evans", "physio"),
]


def seed(demo: dict) -> None:
    for key, email, first, last, physio_key in PATIENTS:
        patient = Patient.objects.filter(user__email=email).select_related("user").first()
        if patient is None:
            patient = create_patient(
                clinic=demo["clinic"], primary_physio=demo[physio_key], email=email, first_name=first, last_name=last
            )
            patient.user.set_password(DEMO_PASSWORD)
            patient.user.save(update_fields=["password"])
        demo[key] = patient
        demo["logins"].append(email)

    patient = demo["patient"]
    if not Program.objects.filter(patient=patient).exists():
        assign_program(
            patient=patient,
            physio=demo["physio"],
            template=demo["templates"][DEMO_PROGRAM_TEMPLATE],
            start_date=timezone.localdate(),
        )
