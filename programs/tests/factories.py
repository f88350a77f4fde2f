import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from programs.models import Exercise, ExerciseImage, ProgramTemplate, TemplateItem, TemplatePhase

START = datetime.date(2026, 1, 5)


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    name = factory.Sequence(lambda n: f"Exercise {n:03d}")
    slug = factory.Sequence(lambda n: f"exercise-{n:03d}")
    body_region = Exercise.BodyRegion.LOWER_BACK
    kind = Exercise.Kind.STRETCH
    summary = factory.LazyAttribute(lambda o: f"A short description of {o.name}.")
    instructions = "Lie on your back.\nBend both knees.\nBreathe slowly."
    what_to_feel = "A gentle stretch."
    cautions = "Pain spreading down the leg."
    sets = 3
    reps = 10
    hold_seconds = 20
    times_per_day = 2
    side = "both"


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


class ExerciseImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExerciseImage

    exercise = factory.SubFactory(ExerciseFactory)
    image = factory.LazyFunction(lambda: SimpleUploadedFile("pose.png", png_bytes(), content_type="image/png"))
    alt_text = "A person lying on their back with one knee drawn to the chest"
    approved_at = factory.LazyFunction(timezone.now)  # approved: ExerciseImageFactory(approved_at=None) waits


class ProgramTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramTemplate

    name = factory.Sequence(lambda n: f"Protocol {n}")
    slug = factory.Sequence(lambda n: f"protocol-{n}")
    default_goals = "Walk to the shops without leg pain."


class TemplatePhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplatePhase

    template = factory.SubFactory(ProgramTemplateFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Phase {n}")
    duration_weeks = 2


class TemplateItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateItem

    phase = factory.SubFactory(TemplatePhaseFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    order = factory.Sequence(lambda n: n)
    sets = 2
    reps = 12
    hold_seconds = 10
    times_per_day = 1
    side = "left"


def make_template(*, phases: int = 2, items_per_phase: int = 3, weeks: int = 2) -> ProgramTemplate:
    template = ProgramTemplateFactory()
    for number in range(1, phases + 1):
        phase = TemplatePhaseFactory(template=template, order=number, title=f"Weeks {number}", duration_weeks=weeks)
        for order in range(1, items_per_phase + 1):
            TemplateItemFactory(phase=phase, order=order)
    return template
