import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from patients import services
from programs.services import assign_program
from programs.tests.factories import make_template


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def program(patient, physio, today):
    """An active program whose first phase (three exercises, every day) started a week ago."""
    template = make_template(phases=2, items_per_phase=3, weeks=4)
    template.phases.first().items.update(days_per_week=7)
    return assign_program(patient=patient, physio=physio, template=template, start_date=today - timedelta(days=7))


@pytest.fixture
def log(patient, program, today):
    """Log a session for `patient` with every current item done; keyword arguments override."""

    def make(**overrides):
        items = list(program.items.current().filter(phase=program.current_phase))
        values = dict(
            patient=patient,
            program=program,
            performed_on=today,
            pain_before=3,
            pain_after=2,
            difficulty="about_right",
            note="",
            red_flags=[],
            exercises=[{"item": i, "sets_done": i.sets, "reps_done": i.reps, "side": i.side} for i in items],
            token=uuid.uuid4(),
        )
        values.update(overrides)
        return services.log_session(**values)

    return make
