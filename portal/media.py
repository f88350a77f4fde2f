"""Uploaded files (exercise pictures and videos, article hero images: the public library) served from the
storage, through the storage API, so the same view serves the filesystem or an object store. Names are never
reused (the storage picks a new one for a new upload), so browsers and proxies may keep a copy for a week.

Everything in the default storage is public this way, except under `private/`: in a bucket, other storages
(settings.STORAGES, e.g. the patients' handout PDFs) keep their files there, beside the uploads."""

import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

MAX_AGE = 7 * 24 * 60 * 60
PRIVATE = "private"


@require_safe
def serve(request, path: str):
    # As the storage will resolve it: "./private/…" and "exercises/../private/…" are private too.
    if posixpath.normpath(path).lstrip("/").split("/")[0] == PRIVATE:
        raise Http404("No such file.")
    try:
        if not default_storage.exists(path):
            raise Http404("No such file.")
        stored = default_storage.open(path, "rb")
    except (SuspiciousFileOperation, ValueError) as error:  # "../", absolute paths, NUL bytes
        raise Http404("No such file.") from error
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(stored, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}, immutable"
    return response
