import pytest
from django.core.management import call_command

from portal.models import Clinic, Patient, User

DEMO_LOGINS = [
    "admin@example.com",
    "physio@example.com",
    "physio2@example.com",
    "editor@example.com",
    "patient@example.com",
    "patient2@example.com",
]


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")


def test_seed_demo_creates_every_demo_login(seeded, client):
    for email in DEMO_LOGINS:
        response = client.post("/accounts/login/", {"username": email, "password": "demo-pass"})
        assert response.status_code == 302, email
        client.logout()


def test_seed_demo_is_idempotent(seeded):
    counts = (User.objects.count(), Clinic.objects.count(), Patient.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Clinic.objects.count(), Patient.objects.count()) == counts


def test_seed_demo_puts_physio2_in_the_second_clinic(seeded):
    physio, physio2 = User.objects.get(email="physio@example.com"), User.objects.get(email="physio2@example.com")
    assert physio.clinic != physio2.clinic
    assert Patient.objects.get(user__email="patient@example.com").clinic == physio.clinic


def test_seed_demo_prints_the_logins(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert all(email in out for email in DEMO_LOGINS)
    assert "demo-pass" in out
