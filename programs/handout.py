"""The printable handout: one HTML template, shown as a print view and rendered to PDF by WeasyPrint, in the
patient's language (the exercises' own text stays in English, marked lang="en")."""

import base64
import logging
import mimetypes
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from programs.models import ExerciseImage, Program, ProgramItem

# WeasyPrint reports every layout step at INFO; only its warnings are worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def handout_context(program: Program, *, for_pdf: bool = False) -> dict:
    """Phases with their current items and images, in a fixed number of queries."""
    items = list(
        ProgramItem.objects.current()
        .filter(program=program)
        .select_related("exercise", "phase")
        .order_by("phase__order", "order", "pk")
    )
    images: dict[int, list] = {}
    for image in ExerciseImage.objects.approved().filter(exercise_id__in={item.exercise_id for item in items}):
        image.src = _data_uri(image.image) if for_pdf else image.image.url
        images.setdefault(image.exercise_id, []).append(image)
    phases = list(program.phases.order_by("order", "pk"))
    by_phase = {phase.pk: [] for phase in phases}
    for item in items:
        item.pictures = images.get(item.exercise_id, [])
        by_phase[item.phase_id].append(item)
    for phase in phases:
        phase.current_items = by_phase[phase.pk]
    return {
        "program": program,
        "patient": program.patient,
        "clinic": program.patient.clinic,
        "phases": [phase for phase in phases if phase.current_items],
        "site_name": settings.SITE_NAME,
    }


def _data_uri(field) -> str:
    """The picture's bytes, read through the storage API (the filesystem or an object store alike)."""
    with field.storage.open(field.name, "rb") as stored:
        data = stored.read()
    content_type = mimetypes.guess_type(field.name)[0] or "image/jpeg"
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def handout_language(program: Program) -> str:
    """The patient's language if they chose one, else the page's (their browser's)."""
    return program.patient.language or translation.get_language()


def render_handout_pdf(program: Program, *, request=None) -> bytes:
    from weasyprint import HTML

    with translation.override(handout_language(program)):
        html = render_to_string("programs/handout_pdf.html", handout_context(program, for_pdf=True), request=request)
    base_url = Path(settings.BASE_DIR).as_uri() + "/"
    return HTML(string=html, base_url=base_url).write_pdf()
