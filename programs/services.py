"""Every change to a program goes through one of these functions, and each records a ProgramChange."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from programs.emails import queue_program_assigned
from programs.models import Dosage, Exercise, Program, ProgramChange, ProgramItem, ProgramPhase, ProgramTemplate
from programs.signals import program_assigned, program_duplicated, program_status_changed

ONE_ACTIVE_MESSAGE = "This patient already has an active program. Pause or complete it before starting another."
OTHER_CLINIC_MESSAGE = "You can only assign programs to patients of your own clinic."
ITEM_FIELDS = [*Dosage.DOSAGE_FIELDS, "note", "order", "phase_id"]
PHASE_FIELDS = ["title", "start_date", "end_date", "note", "order"]
DEFAULT_PHASE_WEEKS = 6


def _json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _snapshot(obj, fields) -> dict:
    return {name: _json(getattr(obj, name)) for name in fields}


def record_change(*, program: Program, actor, action: str, summary: str, item=None, before=None, after=None):
    change = ProgramChange(
        program=program,
        item=item,
        actor=actor,
        action=action,
        summary=summary[:300],
        before=before or {},
        after=after or {},
    )
    change.full_clean()
    change.save()
    return change


def _has_other_active(program: Program) -> bool:
    return (
        Program.objects.filter(patient_id=program.patient_id, status=Program.Status.ACTIVE)
        .exclude(pk=program.pk)
        .exists()
    )


def _save_program(program: Program) -> None:
    """Save, turning the one-active-program constraint into the same message the checks give."""
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as error:
        # Ask the database rather than parse its message: PostgreSQL names the constraint, SQLite its columns.
        if program.status == Program.Status.ACTIVE and _has_other_active(program):
            raise ValidationError({"patient": ONE_ACTIVE_MESSAGE}) from error
        raise


def check_can_assign(*, patient, physio) -> None:
    if not physio.is_staff:
        raise ValidationError({"physio": "Programs are assigned by clinic staff."})
    if not physio.is_superuser and physio.clinic_id != patient.clinic_id:
        raise ValidationError({"patient": OTHER_CLINIC_MESSAGE})
    if Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).exists():
        raise ValidationError({"patient": ONE_ACTIVE_MESSAGE})


@transaction.atomic
def assign_program(
    *,
    patient,
    physio,
    start_date: datetime.date,
    template: ProgramTemplate | None = None,
    goals: str = "",
    title: str = "",
) -> Program:
    """Assign a program to a patient: a copy of a template, or an empty one to build from scratch.

    This is the single place a program is assigned; whatever should follow an assignment
    (the invitation email) hangs here.
    """
    check_can_assign(patient=patient, physio=physio)
    program = Program(
        patient=patient,
        physio=physio,
        template=template,
        title=title or (template.name if template else "Home exercise program"),
        goals=goals or (template.default_goals if template else ""),
        start_date=start_date,
        status=Program.Status.ACTIVE,
    )
    program.full_clean(validate_constraints=False)
    _save_program(program)
    phases = _copy_template(program, template, start_date) if template else []
    if not phases:
        end = start_date + datetime.timedelta(weeks=DEFAULT_PHASE_WEEKS, days=-1)
        phase = ProgramPhase(program=program, order=1, title="Phase 1", start_date=start_date, end_date=end)
        phase.full_clean()
        phase.save()
        phases = [phase]
    program.current_phase = phases[0]
    program.save(update_fields=["current_phase"])
    source = f"from template “{template.name}”" if template else "from scratch"
    record_change(program=program, actor=physio, action=ProgramChange.Action.ASSIGNED, summary=f"Assigned {source}")
    queue_program_assigned(program=program)
    program_assigned.send(sender=Program, program=program)
    return program


def _copy_template(program: Program, template: ProgramTemplate, start_date) -> list[ProgramPhase]:
    phases, items = [], []
    start = start_date
    for template_phase in template.phases.prefetch_related("items").order_by("order", "pk"):
        end = start + datetime.timedelta(weeks=template_phase.duration_weeks, days=-1)
        phase = ProgramPhase(
            program=program,
            order=len(phases) + 1,
            title=template_phase.title,
            start_date=start,
            end_date=end,
            note=template_phase.note,
        )
        phase.full_clean()
        phase.save()
        phases.append(phase)
        for template_item in template_phase.items.all():
            item = ProgramItem(
                program=program,
                phase=phase,
                exercise_id=template_item.exercise_id,
                order=template_item.order,
                note=template_item.note,
                **template_item.dosage_dict(),
            )
            item.full_clean(exclude=["phase", "program", "exercise"])
            items.append(item)
        start = end + datetime.timedelta(days=1)
    ProgramItem.objects.bulk_create(items)
    return phases


@transaction.atomic
def update_program(*, program: Program, actor, title: str, goals: str, start_date: datetime.date) -> Program:
    fields = ["title", "goals", "start_date"]
    before = _snapshot(program, fields)
    program.title, program.goals, program.start_date = title, goals, start_date
    program.full_clean(validate_constraints=False)
    after = _snapshot(program, fields)
    if before != after:
        program.save()
        changed = {k: v for k, v in before.items() if after[k] != v}
        record_change(
            program=program,
            actor=actor,
            action=ProgramChange.Action.UPDATED,
            summary="Changed " + ", ".join(changed),
            before=changed,
            after={k: after[k] for k in changed},
        )
    return program


@transaction.atomic
def add_program_item(
    *, program: Program, actor, exercise: Exercise, phase: ProgramPhase | None = None, note: str = "", **dosage
) -> ProgramItem:
    """Add an exercise; its dosage starts from the exercise's default unless given."""
    phase = phase or program.current_phase
    order = dosage.pop("order", None)
    values = {**exercise.dosage_dict(), **dosage}
    if order is None:
        last = program.items.current().filter(phase=phase).order_by("-order").values_list("order", flat=True).first()
        order = (last or 0) + 1
    item = ProgramItem(program=program, phase=phase, exercise=exercise, note=note, order=order, **values)
    item.full_clean()
    item.save()
    record_change(
        program=program,
        actor=actor,
        item=item,
        action=ProgramChange.Action.ITEM_ADDED,
        summary=f"Added {exercise.name}: {item.dosage_in_words}",
        after=_snapshot(item, ITEM_FIELDS),
    )
    return item


@transaction.atomic
def update_program_item(*, item: ProgramItem, actor, **changes) -> ProgramItem:
    """Change an item's dosage, note, order or phase. Logs already recorded keep their own copy."""
    unknown = set(changes) - {*Dosage.DOSAGE_FIELDS, "note", "order", "phase"}
    if unknown:
        raise TypeError(f"update_program_item() got unexpected fields: {', '.join(sorted(unknown))}")
    if item.removed_at:
        raise ValidationError("This exercise was removed from the program; add it again instead.")
    before = _snapshot(item, ITEM_FIELDS)
    for name, value in changes.items():
        setattr(item, name, value)
    item.full_clean()
    after = _snapshot(item, ITEM_FIELDS)
    changed = {k: v for k, v in before.items() if after[k] != v}
    if not changed:
        return item
    item.save()
    if set(changed) & set(Dosage.DOSAGE_FIELDS):
        summary = f"Changed {item.exercise.name}: {item.dosage_in_words}"
    elif set(changed) == {"order"}:
        summary = f"Moved {item.exercise.name} to position {item.order}"
    else:
        summary = f"Changed {item.exercise.name} ({', '.join(changed)})"
    record_change(
        program=item.program,
        actor=actor,
        item=item,
        action=ProgramChange.Action.ITEM_UPDATED,
        summary=summary,
        before=changed,
        after={k: after[k] for k in changed},
    )
    return item


@transaction.atomic
def remove_program_item(*, item: ProgramItem, actor) -> ProgramItem:
    """Take an exercise out of the program; the row stays so that logs pointing at it remain intact."""
    if item.removed_at:
        return item
    item.removed_at = timezone.now()
    item.save(update_fields=["removed_at"])
    record_change(
        program=item.program,
        actor=actor,
        item=item,
        action=ProgramChange.Action.ITEM_REMOVED,
        summary=f"Removed {item.exercise.name}",
        before=_snapshot(item, ITEM_FIELDS),
    )
    return item


@transaction.atomic
def add_phase(
    *, program: Program, actor, title: str, start_date, end_date, note: str = "", order: int | None = None
) -> ProgramPhase:
    if order is None:
        order = (program.phases.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    phase = ProgramPhase(program=program, title=title, start_date=start_date, end_date=end_date, note=note, order=order)
    phase.full_clean()
    phase.save()
    record_change(
        program=program,
        actor=actor,
        action=ProgramChange.Action.PHASE_ADDED,
        summary=f"Added phase {title}",
        after=_snapshot(phase, PHASE_FIELDS),
    )
    return phase


@transaction.atomic
def update_phase(*, phase: ProgramPhase, actor, **changes) -> ProgramPhase:
    before = _snapshot(phase, PHASE_FIELDS)
    for name, value in changes.items():
        if name not in PHASE_FIELDS:
            raise TypeError(f"update_phase() got an unexpected field: {name}")
        setattr(phase, name, value)
    phase.full_clean()
    after = _snapshot(phase, PHASE_FIELDS)
    changed = {k: v for k, v in before.items() if after[k] != v}
    if changed:
        phase.save()
        record_change(
            program=phase.program,
            actor=actor,
            action=ProgramChange.Action.PHASE_UPDATED,
            summary=f"Changed phase {phase.title} ({', '.join(changed)})",
            before=changed,
            after={k: after[k] for k in changed},
        )
    return phase


@transaction.atomic
def advance_phase(*, program: Program, actor) -> ProgramPhase:
    """Move the patient on to the next phase now: a phase planned to start later starts today instead."""
    program = Program.objects.select_for_update().select_related("patient").get(pk=program.pk)
    if program.status != Program.Status.ACTIVE:
        raise ValidationError("Only an active program can move to its next phase.")
    phases = list(program.phases.order_by("order", "pk"))
    current = next((i for i, p in enumerate(phases) if p.pk == program.current_phase_id), -1)
    if current + 1 >= len(phases):
        raise ValidationError("This program is already in its last phase; complete it instead.")
    before, after = phases[current] if current >= 0 else None, phases[current + 1]
    planned, today = after.start_date, program.patient.local_today()
    summary = f"Moved on to {after.title}"
    if planned > today:
        after.start_date = today
        after.save(update_fields=["start_date"])
        summary += f", starting today instead of {planned:%-d %b %Y}"
    program.current_phase = after
    program.save(update_fields=["current_phase", "updated_at"])
    record_change(
        program=program,
        actor=actor,
        action=ProgramChange.Action.PHASE_ADVANCED,
        summary=summary,
        before={"phase": before.title if before else None, "start_date": planned.isoformat()},
        after={"phase": after.title, "start_date": after.start_date.isoformat()},
    )
    return after


def _set_status(program: Program, actor, status: str, action: str, summary: str) -> Program:
    before = program.status
    program.status = status
    _save_program(program)
    record_change(
        program=program,
        actor=actor,
        action=action,
        summary=summary,
        before={"status": before},
        after={"status": status},
    )
    program_status_changed.send(sender=Program, program=program)
    return program


@transaction.atomic
def pause_program(*, program: Program, actor, reason: str = "") -> Program:
    """`actor` None: the portal paused it (a red flag, see patients.services.report_red_flags)."""
    if program.status != Program.Status.ACTIVE:
        raise ValidationError("Only an active program can be paused.")
    summary = f"Paused: {reason}" if reason else "Paused"
    return _set_status(program, actor, Program.Status.PAUSED, ProgramChange.Action.PAUSED, summary)


@transaction.atomic
def resume_program(*, program: Program, actor, reason: str = "") -> Program:
    if program.status != Program.Status.PAUSED:
        raise ValidationError("Only a paused program can be resumed.")
    if _has_other_active(program):
        raise ValidationError({"patient": ONE_ACTIVE_MESSAGE})
    summary = f"Resumed: {reason}" if reason else "Resumed"
    return _set_status(program, actor, Program.Status.ACTIVE, ProgramChange.Action.RESUMED, summary)


@transaction.atomic
def complete_program(*, program: Program, actor) -> Program:
    if program.status == Program.Status.COMPLETED:
        raise ValidationError("This program is already completed.")
    return _set_status(program, actor, Program.Status.COMPLETED, ProgramChange.Action.COMPLETED, "Completed")


@transaction.atomic
def duplicate_program(*, program: Program, actor, start_date: datetime.date | None = None) -> Program:
    """Copy a program (phases shifted to the new start, current items) as a paused draft for the same patient.

    It starts paused because the patient may only have one active program; resume it when ready.
    """
    if not actor.is_superuser and actor.clinic_id != program.patient.clinic_id:
        raise ValidationError({"patient": OTHER_CLINIC_MESSAGE})
    start_date = start_date or timezone.localdate()
    shift = start_date - program.start_date
    copy = Program(
        patient=program.patient,
        physio=actor if actor.is_staff else program.physio,
        template=program.template,
        title=f"{program.title} (copy)"[:150],
        goals=program.goals,
        start_date=start_date,
        status=Program.Status.PAUSED,
    )
    copy.full_clean(validate_constraints=False)
    copy.save()
    phase_map = {}
    for phase in program.phases.order_by("order", "pk"):
        new_phase = ProgramPhase(
            program=copy,
            order=phase.order,
            title=phase.title,
            start_date=phase.start_date + shift,
            end_date=phase.end_date + shift,
            note=phase.note,
        )
        new_phase.save()
        phase_map[phase.pk] = new_phase
    ProgramItem.objects.bulk_create(
        ProgramItem(
            program=copy,
            phase=phase_map[item.phase_id],
            exercise_id=item.exercise_id,
            order=item.order,
            note=item.note,
            **item.dosage_dict(),
        )
        for item in program.items.current()
    )
    first = phase_map.get(program.current_phase_id) or next(iter(phase_map.values()), None)
    copy.current_phase = first
    copy.save(update_fields=["current_phase"])
    record_change(
        program=copy,
        actor=actor,
        action=ProgramChange.Action.DUPLICATED,
        summary=f"Copied from program #{program.pk}",
        before={"source": program.pk},
    )
    program_duplicated.send(sender=Program, program=copy, source=program)
    return copy
