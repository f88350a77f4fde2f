"""Named users per role, shared by every app's tests.

clinic: physio, clinic_admin, patient, other_patient · clinic2: physio2 · no clinic: editor · superuser.
"""

import pytest
from django.core.cache import cache

from patients.tests.factories import PatientFactory
from portal import roles
from testing.factories import PASSWORD, ClinicFactory, StaffFactory, UserFactory

pytest_plugins = ["testing.services"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_handouts(settings, tmp_path):
    # Rendered handouts (programs/handouts_store.py) in the test's own folder, never the checkout's var/.
    location = tmp_path / "handouts"
    handouts = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}
    settings.STORAGES = {**settings.STORAGES, "handouts": handouts}


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Whole public pages are cached (portal.pagecache): one test's pages must not be served to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Riverside", slug="riverside")


@pytest.fixture
def clinic2(db):
    return ClinicFactory(name="Hillside", slug="hillside")


@pytest.fixture
def physio(clinic):
    return StaffFactory(email="physio@test.example", clinic=clinic, role=roles.PHYSIOTHERAPIST)


@pytest.fixture
def physio2(clinic2):
    return StaffFactory(email="physio2@test.example", clinic=clinic2, role=roles.PHYSIOTHERAPIST)


@pytest.fixture
def clinic_admin(clinic):
    return StaffFactory(email="clinic-admin@test.example", clinic=clinic, role=roles.CLINIC_ADMIN)


@pytest.fixture
def editor(db):
    return StaffFactory(email="editor@test.example", clinic=None, role=roles.CONTENT_EDITOR)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@test.example", is_staff=True, is_superuser=True)


@pytest.fixture
def patient(clinic, physio):
    return PatientFactory(user__email="patient@test.example", clinic=clinic, primary_physio=physio)


@pytest.fixture
def other_patient(clinic, physio):
    return PatientFactory(user__email="other-patient@test.example", clinic=clinic, primary_physio=physio)


@pytest.fixture
def patient2(clinic2, physio2):
    """A patient of the second clinic."""
    return PatientFactory(user__email="patient2@test.example", clinic=clinic2, primary_physio=physio2)
