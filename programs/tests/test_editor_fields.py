"""Every field of the programme editor, one at a time, as a physio edits it: the change is saved (read back from
the database) and recorded in the programme's history with its author and the new value."""

import datetime

import pytest
from django.utils import timezone

from programs.models import Program, ProgramChange, ProgramItem, ProgramPhase
from programs.tests.factories import START, ExerciseFactory
from programs.tests.test_admin import PROGRAMS, form_data, item_prefix

pytestmark = pytest.mark.django_db
LATER = START + datetime.timedelta(days=3)

PROGRAM_FIELDS = {"title": "Back to the allotment", "goals": "Dig for twenty minutes", "start_date": LATER}
PHASE_FIELDS = {
    "title": "Settling in",
    "start_date": START + datetime.timedelta(days=1),
    "end_date": START + datetime.timedelta(days=12),
    "note": "Go gently on the first days",
    "order": 7,
}
ITEM_FIELDS = {
    "sets": 4,
    "reps": 15,
    "hold_seconds": 5,
    "rest_seconds": 30,
    "times_per_day": 2,
    "days_per_week": 5,
    "duration_minutes": 5,
    "side": "right",
    "note": "Slowly, and breathe out as you lift",
    "order": 9,
}


def post(client, program, change: dict):
    url = f"{PROGRAMS}{program.pk}/change/"
    data = form_data(client.get(url))
    data.update(change)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def value(v):
    return v.isoformat() if isinstance(v, datetime.date) else v


# Each form's fields changed together in one save: each field must come back changed and appear in the change
# recorded for it (one field's change cannot hide another's, as title and goals did).


def test_every_programme_field_is_saved_and_recorded(client, physio, program):
    client.force_login(physio)
    post(client, program, {name: value(v) for name, v in PROGRAM_FIELDS.items()})

    stored = Program.objects.get(pk=program.pk)
    assert {name: getattr(stored, name) for name in PROGRAM_FIELDS} == PROGRAM_FIELDS
    change = program.changes.get(action=ProgramChange.Action.UPDATED)
    assert (change.actor, change.after) == (physio, {name: value(v) for name, v in PROGRAM_FIELDS.items()})


def test_every_phase_field_is_saved_and_recorded(client, physio, program):
    phase = program.phases.order_by("order").first()
    client.force_login(physio)
    post(client, program, {f"phases-0-{name}": value(v) for name, v in PHASE_FIELDS.items()})

    stored = ProgramPhase.objects.get(pk=phase.pk)
    assert {name: getattr(stored, name) for name in PHASE_FIELDS} == PHASE_FIELDS
    change = program.changes.get(action=ProgramChange.Action.PHASE_UPDATED)
    assert (change.actor, change.after) == (physio, {name: value(v) for name, v in PHASE_FIELDS.items()})


def test_every_exercise_field_is_saved_and_recorded(client, physio, program):
    item = program.items.order_by("phase__order", "order").first()
    client.force_login(physio)
    prefix = item_prefix(client.get(f"{PROGRAMS}{program.pk}/change/"), item)
    post(client, program, {f"{prefix}-{name}": v for name, v in ITEM_FIELDS.items()})

    stored = ProgramItem.objects.get(pk=item.pk)
    assert {name: getattr(stored, name) for name in ITEM_FIELDS} == ITEM_FIELDS
    change = program.changes.get(action=ProgramChange.Action.ITEM_UPDATED)
    assert (change.actor, change.item_id, change.after) == (physio, item.pk, ITEM_FIELDS)


def test_an_exercise_moved_to_another_phase_is_saved_and_recorded(client, physio, program):
    item = program.items.order_by("phase__order", "order").first()
    later = program.phases.order_by("order").last()
    client.force_login(physio)
    prefix = item_prefix(client.get(f"{PROGRAMS}{program.pk}/change/"), item)
    post(client, program, {f"{prefix}-phase": later.pk})

    assert ProgramItem.objects.get(pk=item.pk).phase == later
    change = program.changes.get(action=ProgramChange.Action.ITEM_UPDATED)
    assert (change.actor, change.after) == (physio, {"phase_id": later.pk})


def test_another_exercise_in_a_row_ends_the_old_prescription_and_starts_the_new(client, physio, program):
    item = program.items.order_by("phase__order", "order").first()
    other = ExerciseFactory(name="Cat stretch", slug="cat-stretch")
    client.force_login(physio)
    prefix = item_prefix(client.get(f"{PROGRAMS}{program.pk}/change/"), item)
    post(client, program, {f"{prefix}-exercise": other.pk})

    assert ProgramItem.objects.get(pk=item.pk).removed_at is not None
    assert program.items.current().filter(exercise=other, phase=item.phase).exists()
    actions = set(program.changes.exclude(action=ProgramChange.Action.ASSIGNED).values_list("action", "actor"))
    assert actions == {(ProgramChange.Action.ITEM_REMOVED, physio.pk), (ProgramChange.Action.ITEM_ADDED, physio.pk)}


def test_a_phase_added_without_an_order_goes_after_the_last(client, physio, program):
    client.force_login(physio)
    url = f"{PROGRAMS}{program.pk}/change/"
    data = form_data(client.get(url))
    total = int(data["phases-TOTAL_FORMS"])
    end = program.phases.order_by("order").last().end_date
    data.update({
        "phases-TOTAL_FORMS": total + 1,
        f"phases-{total}-title": "Keeping it up",
        f"phases-{total}-start_date": (end + datetime.timedelta(days=1)).isoformat(),
        f"phases-{total}-end_date": (end + datetime.timedelta(days=28)).isoformat(),
        f"phases-{total}-order": 0,
    })  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    assert list(program.phases.order_by("order").values_list("title", flat=True))[-1] == "Keeping it up"


def test_the_history_reads_as_sentences(client, physio, program):
    physio.first_name, physio.last_name = "Alex", "Kim"
    physio.save()
    item = program.items.order_by("phase__order", "order").first()
    item.exercise.name = "Knee to chest"
    item.exercise.save()
    later = program.phases.order_by("order").last()
    client.force_login(physio)
    prefix = item_prefix(client.get(f"{PROGRAMS}{program.pk}/change/"), item)
    goals = program.goals
    post(client, program, {f"{prefix}-hold_seconds": 5, f"{prefix}-phase": later.pk, "goals": "Walk the dog"})

    html = client.get(f"{PROGRAMS}{program.pk}/change/").content.decode()
    change = program.changes.get(action=ProgramChange.Action.ITEM_UPDATED)
    when = timezone.localtime(change.at)
    assert (
        f"Hold for Knee to chest: 10 s → 5 s; Phase for Knee to chest: “Weeks 1” → “Weeks 2”, by Alex Kim, "
        f"{when:%-d %b %H:%M}" in html
    )
    assert f"Goals: “{goals}” → “Walk the dog”, by Alex Kim" in html
    assert '{"hold_seconds"' not in html  # no raw JSON
