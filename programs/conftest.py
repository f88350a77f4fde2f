import pytest

from programs import services
from programs.tests.factories import START, make_template


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def template(db):
    return make_template(phases=2, items_per_phase=3)


@pytest.fixture
def program(patient, physio, template):
    return services.assign_program(patient=patient, physio=physio, template=template, start_date=START)


@pytest.fixture
def program2(patient2, physio2, template):
    """A program at the second clinic."""
    return services.assign_program(patient=patient2, physio=physio2, template=template, start_date=START)
