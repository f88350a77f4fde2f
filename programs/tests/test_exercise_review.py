"""Reviewed means reviewed, for the exercise library: an editor's change to what patients read waits for a clinician;
the library, Today and the handout show the approved text until then."""

import re
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from programs import exercise_review
from programs.models import Exercise, ExerciseChange, ExerciseImage
from programs.tests.factories import ExerciseFactory, png_bytes
from programs.tests.test_admin import form_data
from programs.tests.test_views import pdf_text
from testing.services import missing

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
    handout = " ".join(pdf_text(client.get(f"/my/programs/{program.pk}/handout.pdf").getvalue(), tmp_path).split())
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


# --- media: a new picture or video reaches patients when a clinician approves it -------------------------------


def upload_picture_in_the_admin(client, user, exercise):
    client.force_login(user)
    data = form_data(client.get(change_url(exercise)))
    upload = SimpleUploadedFile("new-pose.png", png_bytes(size=(64, 48)), content_type="image/png")
    data.update({"images-TOTAL_FORMS": 1, "images-0-alt_text": "A new pose", "images-0-order": 1})
    return client.post(change_url(exercise), {**data, "images-0-image": upload})


def test_an_editors_new_picture_waits_for_a_clinician_on_today_the_library_and_the_handout(
    client, editor, physio, program, tmp_path
):
    exercise = program.items.select_related("exercise").first().exercise
    assert upload_picture_in_the_admin(client, editor, exercise).status_code == 302
    picture = ExerciseImage.objects.get(exercise=exercise)
    assert picture.approved_at is None
    form = client.get(change_url(exercise)).content.decode()
    assert "1 new picture waits for a clinician" in form and "Not yet: waits for a clinician" in form
    today, library, _handout = seen_by_the_patient(client, program, tmp_path)
    assert picture.image.url not in today and picture.image.url not in library
    assert not handout_pictures(client, program)

    client.force_login(physio)
    changes = client.get(f"/admin/programs/exercise/{exercise.pk}/changes/").content.decode()
    assert f'src="{picture.image.url}"' in changes and "New pictures" in changes
    assert client.post(f"/admin/programs/exercise/{exercise.pk}/changes/").status_code == 302

    picture.refresh_from_db()
    assert (picture.approved_by, picture.approved_at is not None) == (physio, True)
    today, library, _handout = seen_by_the_patient(client, program, tmp_path)
    assert picture.image.url in today and picture.image.url in library
    assert ("64", "48") in handout_pictures(client, program)


def handout_pictures(client, program) -> list[tuple[str, str]]:
    if not shutil.which("pdfimages"):
        missing("needs pdfimages (apt-get install poppler-utils)")
    client.force_login(program.patient.user)
    pdf = client.get(f"/my/programs/{program.pk}/handout.pdf").getvalue()
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.findall(r"^\s*\d+\s+\d+\s+image\s+(\d+)\s+(\d+)", listing, re.M)


def test_an_editors_new_video_waits_for_a_clinician(client, editor, physio, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    exercise = ExerciseFactory()
    client.force_login(editor)
    data = form_data(client.get(change_url(exercise)))
    video = SimpleUploadedFile("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, content_type="video/mp4")
    assert client.post(change_url(exercise), {**data, "video_file": video}).status_code == 302

    exercise.refresh_from_db()
    assert not exercise.video_file  # patients see no video yet
    waiting = ExerciseChange.objects.get(exercise=exercise).values["video_file"]
    assert waiting.startswith("exercises/videos/clip") and (tmp_path / waiting).exists()
    assert "<video" not in client.get(exercise.get_absolute_url()).content.decode()

    exercise_review.approve_change(exercise=exercise, user=physio)
    exercise.refresh_from_db()
    assert exercise.video_file.name == waiting
    assert f'src="/media/{waiting}"' in client.get(exercise.get_absolute_url()).content.decode()
