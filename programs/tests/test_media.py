"""An uploaded picture is served (through the storage API), shown on the exercise page and Today, and printed
in the handout PDF: on the filesystem and in an S3-compatible bucket alike."""

import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programs.forms import ExerciseImageForm
from programs.models import ExerciseImage
from programs.tests.factories import png_bytes
from testing.services import missing


@pytest.fixture(params=["filesystem", "s3"], autouse=True)
def media_storage(request):
    """Every test here runs on both storages: the default, and a bucket (portal.storage.PrivateBucketStorage)."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    return None


def upload_picture(exercise) -> ExerciseImage:
    """What the exercise admin's picture inline does: validate, re-encode, store."""
    upload = SimpleUploadedFile("side-plank.png", png_bytes(size=(64, 48)), content_type="image/png")
    form = ExerciseImageForm({"alt_text": "A side plank", "order": 1}, {"image": upload})
    assert form.is_valid(), form.errors
    image = form.save(commit=False)
    image.exercise = exercise
    image.approved_at = timezone.now()  # approved (the approval itself: programs/tests/test_exercise_review.py)
    image.save()
    return image


def first_exercise(program):
    return program.items.current().filter(phase=program.current_phase).order_by("order").first().exercise


def test_an_uploaded_picture_is_served_with_a_long_cache_lifetime(client, program):
    image = upload_picture(first_exercise(program))

    response = client.get(image.image.url)

    assert response.status_code == 200
    assert image.image.url.startswith("/media/exercises/")  # the portal's own URL, whichever storage holds it
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"  # the re-encoded JPEG
    assert "public" in response["Cache-Control"] and "max-age=604800" in response["Cache-Control"]


def test_the_picture_shows_on_the_exercise_page_and_today(client, patient, program):
    exercise = first_exercise(program)
    image = upload_picture(exercise)

    assert image.image.url in client.get(f"/exercises/{exercise.slug}/").content.decode()
    client.force_login(patient.user)
    assert image.image.url in client.get("/my/").content.decode()


def test_the_handout_pdf_prints_the_picture(client, patient, program):
    if not shutil.which("pdfimages"):
        missing("needs pdfimages (apt-get install poppler-utils)")
    upload_picture(first_exercise(program))
    client.force_login(patient.user)
    pdf = client.get(f"/my/programs/{program.pk}/handout.pdf").getvalue()

    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    sizes = re.findall(r"^\s*\d+\s+\d+\s+image\s+(\d+)\s+(\d+)", listing, re.M)
    assert ("64", "48") in sizes


def test_no_path_leaves_the_media_folder(client, db):
    for path in ("/media/../portal/settings.py", "/media/%2e%2e/portal/settings.py", "/media/nothing-here.jpg"):
        assert client.get(path).status_code == 404
