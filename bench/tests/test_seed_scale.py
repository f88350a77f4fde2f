import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from bench import seed_scale
from bench.seed_scale import BENCH_PATIENT_EMAIL, BENCH_PHYSIO_EMAIL, DOMAIN
from patients.models import Alert, CheckIn, ExerciseLog, SessionLog
from patients.questionnaires import Questionnaire
from portal.models import Clinic, Patient


def seed(**sizes):
    call_command(seed_scale.Command(), clinics=3, patients=120, logs_per_patient=2, stdout=io.StringIO(), **sizes)


def scale_scores() -> list:
    return list(
        CheckIn.objects.filter(patient__user__email__endswith=f"@{DOMAIN}")
        .order_by("patient__user__email", "submitted_at")
        .values_list("questionnaire", "score")
    )


def test_seed_scale_adds_patients_with_histories_and_the_bench_logins(db):
    seed()

    scale_patients = Patient.objects.filter(user__email__endswith=f"@{DOMAIN}")
    assert scale_patients.count() == 120
    assert Clinic.objects.filter(slug__startswith="scale-").count() == 3
    bench_patient = Patient.objects.get(user__email=BENCH_PATIENT_EMAIL)
    assert bench_patient.primary_physio.email == BENCH_PHYSIO_EMAIL
    # A year of weekly Oswestry check-ins for the patient the benchmark logs in as.
    assert bench_patient.check_ins.filter(questionnaire=Questionnaire.ODI).count() == 53
    assert CheckIn.objects.filter(patient__in=scale_patients).count() > 120
    assert Alert.objects.filter(patient__in=scale_patients).exists()
    assert get_user_model().objects.get(email=BENCH_PHYSIO_EMAIL).check_password("scale-pass")


def test_seed_scale_refuses_to_add_twice_and_reset_replaces_only_scale_rows(db, patient):
    seed()
    first = scale_scores()

    with pytest.raises(CommandError, match="--reset"):
        seed()
    seed(reset=True)

    assert scale_scores() == first  # a fixed seed: the same sizes give the same data
    assert Patient.objects.filter(user__email__endswith=f"@{DOMAIN}").count() == 120
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_seed_scale_gives_patients_programs_and_the_bench_patient_a_year_of_daily_sessions(db):
    seed()

    bench_patient = Patient.objects.get(user__email=BENCH_PATIENT_EMAIL)
    program = bench_patient.programs.get(status="active")
    assert program.current_phase.items.count() == 4
    assert bench_patient.session_logs.count() == 365
    assert ExerciseLog.objects.filter(session__patient=bench_patient).count() == 365 * 4
    assert SessionLog.objects.filter(patient__user__email__endswith=f"@{DOMAIN}").count() > 365 + 100
    assert not SessionLog.objects.filter(performed_on__gte=timezone.localdate()).exists()
