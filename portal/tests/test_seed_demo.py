import re

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
    def counts():
        patient = Patient.objects.get(user__email="patient@example.com")
        people = (User.objects.count(), Clinic.objects.count(), Patient.objects.count())
        return people, patient.session_logs.count(), patient.check_ins.count(), patient.alerts.count()

    before = counts()
    call_command("seed_demo")
    assert counts() == before


def test_the_demo_patient_has_six_weeks_of_history_to_show(seeded, client):
    patient = Patient.objects.get(user__email="patient@example.com")
    assert patient.session_logs.count() >= 20
    assert set(patient.check_ins.values_list("questionnaire", flat=True)) == {"startback", "odi", "psfs"}
    assert list(patient.alerts.open().values_list("kind", flat=True)) == ["pain_high"]
    odi = list(patient.check_ins.filter(questionnaire="odi").order_by("submitted_at").values_list("score", flat=True))
    assert odi == sorted(odi, reverse=True) and len(odi) == 3  # improving
    client.force_login(patient.user)
    progress = client.get("/my/progress/").content.decode()
    weeks = [tuple(map(int, week)) for week in re.findall(r"<td>(\d+) / (\d+)</td>", progress)]
    assert any(done <= 1 and prescribed == 7 for done, prescribed in weeks)  # the missed week shows
    assert "Oswestry" in client.get("/my/check-in/").content.decode()  # due today
    client.force_login(User.objects.get(email="physio@example.com"))
    outcomes = client.get(f"/admin/portal/patient/{patient.pk}/progress/").content.decode()
    assert "Putting on socks: 7/10" in outcomes and "Pain 7/10" in outcomes


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
