"""The printable handout: one HTML template, shown as a print view and rendered to PDF by WeasyPrint, in the
patient's language (the exercises' own text stays in English, marked lang="en").

A handout's version is a fingerprint of everything the PDF shows, taken from the same rows the template reads,
so deciding whether a stored PDF is current costs the queries of the context and no rendering
(programs/handouts_store.py keeps one stored PDF per programme and version)."""

import base64
import functools
import hashlib
import json
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import translation

from portal.pagecache import CLINICS, cached, user_topic
from programs.models import Exercise, ExerciseImage, Program, ProgramItem, ProgramPhase
from programs.selectors import LIBRARY

# WeasyPrint reports every layout step at INFO; only its warnings are worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# What the PDF is made of besides the rows: a deploy that changes one of these makes every handout a new version.
PDF_TEMPLATES = [
    "programs/handout_pdf.html",
    "programs/handout_document.html",
    "programs/_handout_body.html",
    "_english_only.html",
    "_emergency_signs.html",
]
PDF_STYLESHEET = "static/programs/handout-pdf.css"  # relative to BASE_DIR, as handout_document.html links it
# The exercise's own text as the handout prints it (name, steps, "You should feel", "Stop if").
EXERCISE_TEXT = ["name", "instructions", "what_to_feel", "cautions"]


@dataclass
class Handout:
    """A programme's handout as it would be rendered now: the template's context, its language and version."""

    program: Program
    language: str
    context: dict
    version: str


def handout_context(program: Program) -> dict:
    """Phases with their current items and images, in a fixed number of queries, for the print view."""
    context = _collect(program)
    for picture in _pictures(context):
        picture.src = picture.image.url
    return context


def prepare_handout(program: Program) -> Handout:
    """The handout's context and version, without reading a picture's bytes or rendering anything."""
    language = handout_language(program)
    context = _collect(program)
    return Handout(program=program, language=language, context=context, version=_fingerprint(context, language))


def current_version(program: Program) -> tuple[str, str]:
    """The language and version `prepare_handout` gives, kept in the page cache while nothing the handout shows
    has changed (the patient's and the physio's rows, the library, the clinics): one cache round trip, where the
    fingerprint costs the context's queries."""
    language = handout_language(program)
    # A deploy that changes the layout or a setting the handout prints: a new key.
    printed = [
        _layout_fingerprint(language),
        settings.SITE_NAME,
        settings.EMERGENCY_NUMBER,
        settings.EMERGENCY_DEPARTMENT,
    ]
    settled = hashlib.sha256("|".join(printed).encode()).hexdigest()[:16]
    topics = [user_topic(program.patient.user_id), user_topic(program.physio_id), LIBRARY, CLINICS]
    version = cached(
        f"handout-version:{program.pk}:{language}:{settled}",
        lambda: prepare_handout(program).version,
        depends_on=topics,
    )
    return language, version


def _collect(program: Program) -> dict:
    items = list(
        ProgramItem.objects.current()
        .filter(program=program)
        .select_related("exercise", "phase")
        .order_by("phase__order", "order", "pk")
    )
    images: dict[int, list] = {}
    for image in ExerciseImage.objects.approved().filter(exercise_id__in={item.exercise_id for item in items}):
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


def _pictures(context: dict) -> list[ExerciseImage]:
    return [picture for phase in context["phases"] for item in phase.current_items for picture in item.pictures]


def _fingerprint(context: dict, language: str) -> str:
    """sha256 of what templates/programs/_handout_body.html prints. A picture's name stands for its bytes: the
    storage never reuses a name for a new upload."""
    program, patient, clinic = context["program"], context["patient"], context["clinic"]
    emergency = clinic.emergency
    shown = {
        "layout": _layout_fingerprint(language),
        "language": language,
        "site_name": context["site_name"],
        "program": [program.pk, program.title, program.goals, program.start_date],
        "physio": program.physio.get_full_name() or program.physio.email,
        "patient": [str(patient), patient.language],
        "clinic": [clinic.name, clinic.phone, clinic.email, clinic.address, emergency.number, emergency.department],
        "phases": [_phase(phase) for phase in context["phases"]],
    }
    encoded = json.dumps(shown, default=str, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:20]


def _phase(phase: ProgramPhase) -> list:
    return [
        phase.pk,
        phase.title,
        phase.start_date,
        phase.end_date,
        phase.note,
        [_item(item) for item in phase.current_items],
    ]


def _item(item: ProgramItem) -> list:
    exercise: Exercise = item.exercise
    return [
        item.pk,
        item.note,
        item.dosage_dict(),
        exercise.pk,
        [getattr(exercise, name) for name in EXERCISE_TEXT],
        [[picture.pk, picture.image.name, picture.alt_text] for picture in item.pictures],
    ]


@functools.cache
def _layout_fingerprint(language: str) -> str:
    """The templates, the stylesheet and the language's translations, read once per process (a deploy restarts
    the processes)."""
    digest = hashlib.sha256()
    for name in PDF_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    locale = translation.to_locale(language)
    files = [Path(settings.BASE_DIR) / PDF_STYLESHEET]
    files += [Path(path) / locale / "LC_MESSAGES" / "django.mo" for path in settings.LOCALE_PATHS]
    for path in files:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _data_uri(field) -> str:
    """The picture's bytes, read through the storage API (the filesystem or an object store alike)."""
    with field.storage.open(field.name, "rb") as stored:
        data = stored.read()
    content_type = mimetypes.guess_type(field.name)[0] or "image/jpeg"
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def handout_language(program: Program) -> str:
    """The patient's language if they chose one, else the page's (their browser's)."""
    return program.patient.language or translation.get_language() or settings.LANGUAGE_CODE


def render_handout_pdf(handout: Handout) -> bytes:
    """WeasyPrint: 0.3–3 s. Callers go through programs.handouts_store.ensure_handout, which renders a version once."""
    from weasyprint import HTML

    for picture in _pictures(handout.context):
        picture.src = _data_uri(picture.image)
    with translation.override(handout.language):
        html = render_to_string("programs/handout_pdf.html", handout.context)
    base_url = Path(settings.BASE_DIR).as_uri() + "/"
    return HTML(string=html, base_url=base_url).write_pdf()
