"""The database refuses what the forms refuse, even when code skips validation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from programs.models import ExerciseImage, Program, ProgramItem, ProgramPhase, TemplateItem
from programs.tests.factories import ExerciseFactory, TemplatePhaseFactory


@pytest.mark.parametrize(
    ("field", "value"),
    [("sets", 0), ("reps", 10_000), ("hold_seconds", 3_600), ("times_per_day", 0), ("days_per_week", 8)],
)
def test_database_refuses_absurd_dosage_on_a_program_item(program, field, value):
    item = program.items.first()
    with pytest.raises(IntegrityError, match=f"programitem_{field}_range"), transaction.atomic():
        ProgramItem.objects.filter(pk=item.pk).update(**{field: value})


@pytest.mark.parametrize(("field", "value"), [("sets", 0), ("reps", 10_000), ("hold_seconds", 86_400)])
def test_validation_explains_absurd_dosage(program, field, value):
    item = program.items.first()
    setattr(item, field, value)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert field in error.value.message_dict


def test_database_refuses_a_phase_that_ends_before_it_starts(program):
    phase = program.phases.first()
    with pytest.raises(IntegrityError, match="programphase_end_after_start"), transaction.atomic():
        ProgramPhase.objects.filter(pk=phase.pk).update(end_date=phase.start_date - datetime.timedelta(days=1))


def test_phase_validation_says_it_cannot_end_before_it_starts(program):
    phase = program.phases.first()
    phase.end_date = phase.start_date - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        phase.full_clean()
    assert error.value.message_dict["end_date"] == ["A phase cannot end before it starts."]


def test_database_allows_only_one_active_program_per_patient(program):
    # PostgreSQL names the constraint; SQLite names its columns.
    violated = "program_one_active_per_patient|UNIQUE constraint failed: programs_program.patient_id"
    with pytest.raises(IntegrityError, match=violated), transaction.atomic():
        Program.objects.create(
            patient=program.patient, physio=program.physio, title="Second", start_date=program.start_date
        )


def test_a_paused_program_may_sit_next_to_an_active_one(program):
    Program.objects.create(
        patient=program.patient, physio=program.physio, title="Old", start_date=program.start_date, status="paused"
    )
    assert program.patient.programs.count() == 2


def test_template_item_without_exercise_is_refused(db):
    phase = TemplatePhaseFactory()
    with pytest.raises(ValidationError) as error:
        TemplateItem(phase=phase, order=1).full_clean()
    assert "exercise" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        TemplateItem.objects.create(phase=phase, order=1, exercise=None)


def test_image_without_alt_text_is_refused_by_the_database(db):
    exercise = ExerciseFactory()
    with pytest.raises(IntegrityError, match="exerciseimage_alt_text_required"), transaction.atomic():
        ExerciseImage.objects.create(exercise=exercise, image="exercises/images/x.png", alt_text="")


def test_prescribed_dosage_is_a_plain_dict_a_log_can_copy(program):
    item = program.items.first()
    dosage = item.prescribed_dosage()
    assert dosage == {
        "sets": 2,
        "reps": 12,
        "hold_seconds": 10,
        "rest_seconds": 0,
        "times_per_day": 1,
        "days_per_week": 7,
        "duration_minutes": 0,
        "side": "left",
    }
