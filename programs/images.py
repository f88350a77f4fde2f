"""Image uploads: checked by their content with Pillow, size-limited, and re-encoded.

Re-encoding drops whatever else the file carried (metadata, trailing payloads) and
keeps only the pixels, so what we serve is exactly an image we produced.
"""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
MAX_IMAGE_PIXELS = 12_000_000  # a 4000 × 3000 photo; decoding is refused above it
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}


def _open(file) -> Image.Image:
    file.seek(0)
    try:
        image = Image.open(file)  # reads the header only: the size is known before any pixel is decoded
        _check_dimensions(image)
        image.verify()  # checks the content, whatever the name says
        file.seek(0)
        image = Image.open(file)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError("Upload a picture (JPEG, PNG, WebP or GIF); this file is not one.") from error
    return image


def _check_dimensions(image: Image.Image) -> None:
    if max(image.size) > MAX_IMAGE_SIDE or image.width * image.height > MAX_IMAGE_PIXELS:
        raise ValidationError(f"A picture may be at most {MAX_IMAGE_SIDE} pixels on its longest side.")


def validate_image_upload(file) -> None:
    if file is None or getattr(file, "_committed", False) or not hasattr(file, "size"):
        return  # nothing, or already stored: it was checked and re-encoded on upload
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(f"A picture may be at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    image = _open(file)
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError("Upload a picture (JPEG, PNG, WebP or GIF); this file is not one.")


def reencode_image(file) -> SimpleUploadedFile:
    """Return a fresh JPEG or PNG holding only the pixels of the uploaded picture."""
    validate_image_upload(file)
    image = _open(file)
    keep_alpha = image.mode in ("RGBA", "LA", "P") and image.format != "JPEG"
    out = io.BytesIO()
    if keep_alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
        extension, content_type = "jpg", "image/jpeg"
    stem = Path(getattr(file, "name", "") or "image").stem[:80] or "image"
    return SimpleUploadedFile(f"{stem}.{extension}", out.getvalue(), content_type=content_type)
