import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from programs.forms import ExerciseImageForm
from programs.images import MAX_IMAGE_BYTES, reencode_image
from programs.models import Exercise, validate_video_url
from programs.tests.factories import ExerciseFactory, png_bytes


def _upload(content: bytes, name="pose.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_reencoding_keeps_the_pixels_and_drops_everything_else():
    payload = png_bytes(size=(20, 10)) + b"<script>alert(1)</script>"
    cleaned = reencode_image(_upload(payload))
    assert b"<script>" not in cleaned.read()
    cleaned.seek(0)
    image = Image.open(cleaned)
    assert image.format == "JPEG" and image.size == (20, 10)


def test_a_png_with_transparency_stays_a_png():
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, format="PNG")
    assert reencode_image(_upload(out.getvalue())).name.endswith(".png")


def test_a_file_named_like_a_picture_but_not_one_is_refused():
    with pytest.raises(ValidationError, match="not one"):
        reencode_image(_upload(b"%PDF-1.4 not an image", name="pose.jpg", content_type="image/jpeg"))


def test_an_oversized_picture_is_refused():
    upload = _upload(png_bytes())
    upload.size = MAX_IMAGE_BYTES + 1
    with pytest.raises(ValidationError, match="at most 5 MB"):
        reencode_image(upload)


def test_a_huge_canvas_is_refused():
    with pytest.raises(ValidationError, match="pixels"):
        reencode_image(_upload(png_bytes(size=(5000, 10))))


def test_image_form_requires_alt_text_and_stores_a_reencoded_image(db):
    exercise = ExerciseFactory()
    form = ExerciseImageForm(data={"alt_text": "", "order": 0}, files={"image": _upload(png_bytes())})
    assert not form.is_valid()
    assert "alt_text" in form.errors
    form = ExerciseImageForm(
        data={"alt_text": "Knee drawn to chest", "order": 0}, files={"image": _upload(png_bytes(), name="x.png")}
    )
    assert form.is_valid(), form.errors
    form.instance.exercise = exercise
    saved = form.save()
    assert saved.image.name.endswith(".jpg")


def test_image_form_refuses_a_non_image_next_to_the_field(db):
    form = ExerciseImageForm(
        data={"alt_text": "Something", "order": 0}, files={"image": _upload(b"GIF89a garbage", name="x.gif")}
    )
    assert not form.is_valid()
    assert "image" in form.errors


@pytest.mark.parametrize(
    "url", ["https://www.youtube.com/watch?v=abc", "https://youtu.be/abc", "https://vimeo.com/123", ""]
)
def test_allow_listed_video_links_are_accepted(url):
    validate_video_url(url)


@pytest.mark.parametrize(
    "url", ["https://evil.example/video.mp4", "http://www.youtube.com/watch?v=abc", "https://youtube.com.evil.example/"]
)
def test_other_video_links_are_refused(url):
    with pytest.raises(ValidationError, match="YouTube|youtube"):
        validate_video_url(url)


def test_exercise_validation_refuses_a_video_link_to_another_host(db):
    exercise = ExerciseFactory.build(video_url="https://evil.example/v.mp4")
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    assert "video_url" in error.value.message_dict


def test_video_file_must_be_mp4_or_webm(db):
    exercise = ExerciseFactory()
    exercise.video_file = SimpleUploadedFile("clip.exe", b"MZ", content_type="video/mp4")
    with pytest.raises(ValidationError) as error:
        exercise.full_clean()
    assert "video_file" in error.value.message_dict
    assert Exercise.objects.count() == 1
