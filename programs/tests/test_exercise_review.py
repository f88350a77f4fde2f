"""Reviewed means reviewed, for the exercise library: an editor's change to what patients read waits for a clinician;
the library, Today and the handout show the approved text until then."""

import pytest
from django.core.exceptions import PermissionDenied

from programs import exercise_review
from programs.models import Exercise, ExerciseChange
from programs.tests.factories import ExerciseFactory
from programs.tests.test_admin import form_data
from programs.tests.test_views import pdf_text

pytestmark = pytest.mark.django_db
APPROVED = "Sharp pain behind the knee."
CHANGED = "Numbness in the saddle area or both legs: stop and get help at once."


def change_url(exercise) -> str:
    return f"/admin/programs/exercise/{exercise.pk}/change/"


def edit_cautions(client, user, exercise, cautions: str, **more):
    client.force_login(user)
    data = form_data(client.get(change_url(exercise)))
    data.update(cautions=cautions, **more)
    return client.post(change_url(exercise), data)


def seen_by_the_patient(client, program, tmp_path) -> tuple[str, str, str]:
    client.force_login(program.patient.user)
    exercise = program.items.select_related("exercise").first().exercise
    today = client.get("/my/").content.decode()
    library = client.get(exercise.get_absolute_url()).content.decode()
    handout = " ".join(pdf_text(client.get(f"/my/programs/{program.pk}/handout.pdf").content, tmp_path).split())
    return today, library, handout


def test_an_editors_stop_if_waits_for_a_clinician_on_today_the_library_and_the_handout(
    client, editor, physio, program, tmp_path
):
    exercise = program.items.select_related("exercise").first().exercise
    Exercise.objects.filter(pk=exercise.pk).update(cautions=APPROVED)  # as a clinician approved it
    response = edit_cautions(client, editor, exercise, CHANGED, equipment="A mat")
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert (exercise.cautions, exercise.equipment) == (APPROVED, "A mat")  # only the clinical text waits
    assert ExerciseChange.objects.get(exercise=exercise).values["cautions"] == CHANGED
    form = client.get(change_url(exercise))
    assert form.context["adminform"].form["cautions"].value() == CHANGED  # the editor goes on from their change
    assert "waits for approval" in form.content.decode()
    for page in seen_by_the_patient(client, program, tmp_path):
        assert APPROVED in page and CHANGED not in page

    client.force_login(editor)
    changes = client.get(f"/admin/programs/exercise/{exercise.pk}/changes/").content.decode()
    assert "Approve and make live" not in changes
    with pytest.raises(PermissionDenied):
        exercise_review.approve_change(exercise=exercise, user=editor)

    client.force_login(physio)
    changes = client.get(f"/admin/programs/exercise/{exercise.pk}/changes/").content.decode()
    assert "<del>Sharp pain" in changes and "<ins>Numbness in" in changes
    response = client.post(f"/admin/programs/exercise/{exercise.pk}/changes/")
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert (exercise.cautions, exercise.reviewed_by, exercise.last_reviewed is not None) == (CHANGED, physio, True)
    assert not ExerciseChange.objects.exists()
    for page in seen_by_the_patient(client, program, tmp_path):
        assert CHANGED in page and APPROVED not in page


def test_a_programme_keeps_the_prescribed_dosage_when_the_default_changes(editor, physio, program):
    item = program.items.select_related("exercise").first()
    prescribed = item.prescribed_dosage()
    exercise = item.exercise
    exercise.sets = 5
    exercise_review.save_exercise(exercise=exercise, user=editor)
    exercise_review.approve_change(exercise=exercise, user=physio)
    item.refresh_from_db()
    assert Exercise.objects.get(pk=exercise.pk).sets == 5 and item.prescribed_dosage() == prescribed


def test_setting_the_text_back_drops_the_waiting_change(editor):
    exercise = ExerciseFactory(cautions=APPROVED)
    exercise.cautions = CHANGED
    assert exercise_review.save_exercise(exercise=exercise, user=editor) is not None
    exercise.cautions = APPROVED
    assert exercise_review.save_exercise(exercise=exercise, user=editor) is None
    assert not ExerciseChange.objects.exists()


def test_a_new_exercise_is_saved_as_it_is(editor):
    exercise = ExerciseFactory.build(cautions=CHANGED)
    assert exercise_review.save_exercise(exercise=exercise, user=editor) is None
    assert Exercise.objects.get(pk=exercise.pk).cautions == CHANGED
