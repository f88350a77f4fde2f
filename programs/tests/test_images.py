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


def huge_png(path, side: int) -> None:
    """A valid 1-bit PNG of side × side pixels, a few hundred kilobytes on disk, written without ever holding
    the image in memory: a decompression bomb."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)))
        data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
        out.write(chunk(b"IDAT", data) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it(tmp_path):
    """Measured in a child process: its peak memory stays far below the 169 MB the pixels would take."""
    import subprocess
    import sys
    import textwrap

    bomb = tmp_path / "bomb.png"
    huge_png(bomb, 13_000)
    script = textwrap.dedent(f"""
        import django, os
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        django.setup()
        from django.core.exceptions import ValidationError
        from django.core.files.uploadedfile import SimpleUploadedFile
        from programs.images import reencode_image
        upload = SimpleUploadedFile("bomb.png", open({str(bomb)!r}, "rb").read(), content_type="image/png")
        try:
            reencode_image(upload)
        except ValidationError as error:
            print("refused:", error.messages[0])
        peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
        print("peak_kb", peak)
    """)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)

    assert "refused: A picture may be at most 4000 pixels" in child.stdout, child.stderr[-2000:]
    peak_mb = int(child.stdout.split("peak_kb")[1]) / 1024
    assert peak_mb < 150, f"the child peaked at {peak_mb:.0f} MB: the pixels were decoded"


def test_a_video_is_checked_by_its_content_not_its_name():
    from programs.models import validate_video_content

    with pytest.raises(ValidationError, match="not one"):
        validate_video_content(_upload(b"<html><script>alert(1)</script></html>", name="clip.mp4"))
    validate_video_content(_upload(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, name="clip.mp4"))
    validate_video_content(_upload(b"\x1a\x45\xdf\xa3" + b"\x00" * 100, name="clip.webm"))
