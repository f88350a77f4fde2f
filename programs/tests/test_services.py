import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs import services
from programs.models import Program, ProgramChange, ProgramItem
from programs.tests.factories import START, ExerciseFactory, make_template


def test_assign_program_copies_the_template_with_dated_phases(program, template, physio):
    phases = list(program.phases.order_by("order"))
    assert [p.title for p in phases] == ["Weeks 1", "Weeks 2"]
    assert (phases[0].start_date, phases[0].end_date) == (START, START + datetime.timedelta(days=13))
    assert phases[1].start_date == START + datetime.timedelta(days=14)
    assert program.current_phase == phases[0]
    assert program.status == Program.Status.ACTIVE
    assert program.title == template.name
    assert program.goals == template.default_goals
    assert program.items.count() == 6
    item = program.items.filter(phase=phases[0]).first()
    assert (item.sets, item.reps, item.hold_seconds, item.side) == (2, 12, 10, "left")  # the template's, not default
    change = program.changes.get()
    assert (change.action, change.actor) == (ProgramChange.Action.ASSIGNED, physio)


def test_editing_the_assigned_program_leaves_the_template_alone(program, template, physio):
    item = program.items.first()
    services.update_program_item(item=item, actor=physio, sets=5)
    template_item = template.phases.first().items.first()
    assert template_item.sets == 2


def test_assign_program_from_scratch_has_one_phase_and_no_items(patient, physio):
    program = services.assign_program(patient=patient, physio=physio, start_date=START, goals="Sleep better")
    assert program.phases.count() == 1
    assert program.current_phase.start_date == START
    assert program.items.count() == 0
    assert program.goals == "Sleep better"


def test_assigning_to_a_patient_of_another_clinic_is_refused(patient2, physio, template):
    with pytest.raises(ValidationError) as error:
        services.assign_program(patient=patient2, physio=physio, template=template, start_date=START)
    assert error.value.message_dict["patient"] == [services.OTHER_CLINIC_MESSAGE]
    assert not Program.objects.exists()


def test_a_second_active_program_is_refused_with_a_clear_message(program, physio):
    with pytest.raises(ValidationError) as error:
        services.assign_program(patient=program.patient, physio=physio, start_date=START)
    assert error.value.message_dict["patient"] == [services.ONE_ACTIVE_MESSAGE]
    assert Program.objects.count() == 1


def test_a_new_program_can_be_assigned_once_the_old_one_is_completed(program, physio):
    services.complete_program(program=program, actor=physio)
    again = services.assign_program(patient=program.patient, physio=physio, start_date=START)
    assert again.status == Program.Status.ACTIVE


def test_update_program_item_records_who_when_and_before_after(program, physio):
    item = program.items.first()
    services.update_program_item(item=item, actor=physio, sets=3, reps=15)
    change = program.changes.get(action=ProgramChange.Action.ITEM_UPDATED)
    assert change.actor == physio
    assert change.item == item
    assert change.before == {"sets": 2, "reps": 12}
    assert change.after == {"sets": 3, "reps": 15}
    assert "3 sets of 15" in change.summary
    item.refresh_from_db()
    assert (item.sets, item.reps) == (3, 15)


def test_a_copied_dosage_stays_as_prescribed_after_the_item_changes(program, physio):
    """What the patients app keeps in a session log: a copy, untouched by later edits."""
    item = program.items.first()
    logged = item.prescribed_dosage()
    services.update_program_item(item=item, actor=physio, sets=4, hold_seconds=30)
    assert logged["sets"] == 2 and logged["hold_seconds"] == 10
    assert item.prescribed_dosage()["sets"] == 4


def test_an_unchanged_update_records_nothing(program, physio):
    item = program.items.first()
    services.update_program_item(item=item, actor=physio, sets=item.sets)
    assert not program.changes.filter(action=ProgramChange.Action.ITEM_UPDATED).exists()


@pytest.mark.parametrize(("field", "value"), [("sets", 0), ("reps", 10_000), ("hold_seconds", 86_400)])
def test_update_program_item_refuses_absurd_dosage(program, physio, field, value):
    item = program.items.first()
    with pytest.raises(ValidationError) as error:
        services.update_program_item(item=item, actor=physio, **{field: value})
    assert field in error.value.message_dict
    item.refresh_from_db()
    assert getattr(item, field) != value


def test_update_program_item_refuses_a_phase_of_another_program(program, program2, physio):
    with pytest.raises(ValidationError) as error:
        services.update_program_item(item=program.items.first(), actor=physio, phase=program2.phases.first())
    assert "phase" in error.value.message_dict


def test_add_program_item_starts_from_the_exercise_default(program, physio):
    exercise = ExerciseFactory(sets=3, reps=10, hold_seconds=20, side="both")
    item = services.add_program_item(program=program, actor=physio, exercise=exercise)
    assert item.phase == program.current_phase
    assert item.dosage_in_words == exercise.dosage_in_words
    assert item.order == 4  # after the three copied from the template
    assert program.changes.filter(action=ProgramChange.Action.ITEM_ADDED, item=item).exists()


def test_add_program_item_with_an_override(program, physio):
    item = services.add_program_item(program=program, actor=physio, exercise=ExerciseFactory(), reps=5)
    assert item.reps == 5


def test_remove_program_item_keeps_the_row_for_existing_logs(program, physio):
    item = program.items.first()
    services.remove_program_item(item=item, actor=physio)
    assert ProgramItem.objects.filter(pk=item.pk).exists()
    assert item not in program.items.current()
    change = program.changes.get(action=ProgramChange.Action.ITEM_REMOVED)
    assert change.before["sets"] == item.sets


def test_a_removed_item_cannot_be_edited(program, physio):
    item = services.remove_program_item(item=program.items.first(), actor=physio)
    with pytest.raises(ValidationError):
        services.update_program_item(item=item, actor=physio, sets=3)


def test_advance_phase_moves_to_the_next_phase_and_stops_at_the_last(program, physio):
    second = services.advance_phase(program=program, actor=physio)
    program.refresh_from_db()
    assert program.current_phase == second
    with pytest.raises(ValidationError, match="last phase"):
        services.advance_phase(program=program, actor=physio)
    assert program.changes.filter(action=ProgramChange.Action.PHASE_ADVANCED).count() == 1


def test_advancing_early_starts_the_next_phase_today_so_the_patient_sees_it(patient, physio, template):
    today = timezone.localdate()
    program = services.assign_program(patient=patient, physio=physio, template=template, start_date=today)
    planned = program.phases.order_by("order")[1].start_date
    assert planned > today
    second = services.advance_phase(program=program, actor=physio)
    assert second.start_date == today
    change = program.changes.get(action=ProgramChange.Action.PHASE_ADVANCED)
    assert change.before["start_date"] == planned.isoformat() and change.after["start_date"] == today.isoformat()
    assert "starting today instead of" in change.summary


def test_pause_resume_and_complete(program, physio):
    services.pause_program(program=program, actor=physio)
    assert Program.objects.get(pk=program.pk).status == Program.Status.PAUSED
    with pytest.raises(ValidationError):
        services.advance_phase(program=program, actor=physio)
    services.resume_program(program=program, actor=physio)
    services.complete_program(program=program, actor=physio)
    assert Program.objects.get(pk=program.pk).status == Program.Status.COMPLETED
    actions = list(program.changes.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["assigned", "paused", "resumed", "completed"]


def test_resume_is_refused_while_another_program_is_active(program, physio):
    services.pause_program(program=program, actor=physio)
    services.assign_program(patient=program.patient, physio=physio, start_date=START)
    with pytest.raises(ValidationError) as error:
        services.resume_program(program=program, actor=physio)
    assert error.value.message_dict["patient"] == [services.ONE_ACTIVE_MESSAGE]


def test_duplicate_program_copies_current_items_as_a_paused_draft(program, physio):
    services.remove_program_item(item=program.items.first(), actor=physio)
    copy = services.duplicate_program(program=program, actor=physio, start_date=START + datetime.timedelta(days=7))
    assert copy.status == Program.Status.PAUSED
    assert copy.patient == program.patient
    assert copy.items.count() == 5
    assert copy.phases.first().start_date == START + datetime.timedelta(days=7)
    assert copy.current_phase.program == copy
    assert copy.changes.get().action == ProgramChange.Action.DUPLICATED


def test_duplicate_is_refused_for_another_clinics_program(program2, physio):
    with pytest.raises(ValidationError):
        services.duplicate_program(program=program2, actor=physio)


def test_phase_dates_are_checked_when_updated(program, physio):
    phase = program.phases.first()
    with pytest.raises(ValidationError) as error:
        services.update_phase(phase=phase, actor=physio, end_date=phase.start_date - datetime.timedelta(days=1))
    assert "end_date" in error.value.message_dict


def test_update_program_records_the_changed_fields(program, physio):
    services.update_program(program=program, actor=physio, title="New title", goals=program.goals, start_date=START)
    change = program.changes.get(action=ProgramChange.Action.UPDATED)
    assert change.before == {"title": program.template.name} and change.after == {"title": "New title"}


def test_last_activity_is_the_latest_change(program, physio):
    services.pause_program(program=program, actor=physio)
    annotated = Program.objects.with_activity().get(pk=program.pk)
    assert annotated.last_activity == program.changes.order_by("-at").first().at
    assert annotated.sessions_last_7_days == 0


def test_template_with_many_phases_is_copied_in_order(patient, physio):
    template = make_template(phases=3, items_per_phase=1, weeks=1)
    program = services.assign_program(patient=patient, physio=physio, template=template, start_date=START)
    ends = [p.end_date for p in program.phases.order_by("order")]
    assert ends == [START + datetime.timedelta(days=6 + 7 * n) for n in range(3)]


def test_reordering_is_recorded_as_a_move(program, physio):
    item = program.items.first()
    services.update_program_item(item=item, actor=physio, order=7)
    assert program.changes.get(action="item_updated").summary == f"Moved {item.exercise.name} to position 7"


def test_a_second_active_programme_lost_in_a_race_is_a_form_error_on_every_database(patient, physio):
    services.assign_program(patient=patient, physio=physio, start_date=START)
    # What a request that passed the checks just before another one committed would save.
    racing = Program(patient=patient, physio=physio, title="Racing", start_date=START)

    with pytest.raises(ValidationError) as error:
        services._save_program(racing)
    assert error.value.message_dict["patient"] == [services.ONE_ACTIVE_MESSAGE]
