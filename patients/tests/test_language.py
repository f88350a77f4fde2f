"""A patient reads their pages in the language of their settings (Spanish here), whatever their browser says.

Each page is read as a person reads it (testing/i18n.py): outside the clinical content marked lang="en", no common
English word may be left. A string nobody marked for translation fails these tests.
"""

import datetime
import uuid

import pytest
from django.utils import timezone

from patients import emails, services
from patients.models import CheckInSchedule
from patients.questionnaires import Questionnaire
from testing.i18n import english_left

# templates/patients/today.html is being rewritten: its session form is checked once the rewrite has landed.
PAGES = [
    ("/my/", {}),
    ("/my/progress/", {}),
    ("/my/check-in/", {}),
    ("/my/settings/", {}),
    ("/my/export/", {}),
]


@pytest.fixture
def history(patient, program, log, today):
    """Something on every page: sessions, a check-in answered and one due."""
    log(performed_on=today - datetime.timedelta(days=1), note="")
    log(performed_on=today - datetime.timedelta(days=2), pain_before=5, pain_after=4)
    services.submit_check_in(
        patient=patient,
        questionnaire=Questionnaire.ODI,
        answers={"sections": [2] * 10},
        red_flags=[],
        token=uuid.uuid4(),
    )
    CheckInSchedule.objects.update_or_create(
        patient=patient, questionnaire=Questionnaire.STARTBACK, defaults={"next_due_on": timezone.localdate()}
    )


def spanish(patient):
    patient.language = "es"
    patient.save(update_fields=["language"])
    return patient


@pytest.mark.parametrize(("url", "skip"), PAGES)
def test_a_spanish_patients_pages_are_in_spanish(client, patient, history, url, skip):
    client.force_login(spanish(patient).user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")  # their setting wins over the browser
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert english_left(html, **skip) == []


@pytest.mark.parametrize(("url", "skip"), PAGES)
def test_the_same_pages_in_english_would_fail_the_check(client, patient, history, url, skip):
    """The check above can fail: in English, each page has words it finds."""
    client.force_login(patient.user)
    html = client.get(url).content.decode()
    assert '<html lang="en-gb">' in html
    assert english_left(html, **skip) != []


def test_the_login_page_follows_the_browsers_language(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content.decode()
    assert '<html lang="es">' in html and "Iniciar sesión" in html
    assert english_left(html) == []
    # The unbound form is cached once per language, not once for everyone.
    assert "Email address" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_patient_chooses_spanish_in_settings_and_the_site_follows(client, patient):
    client.force_login(patient.user)
    form = {"reminder_time": "18:00", "timezone": "Europe/London", "quiet_hours_start": "21:00"}
    response = client.post("/my/settings/", {**form, "quiet_hours_end": "08:00", "language": "es"}, follow=True)
    html = response.content.decode()
    assert "Se ha guardado su configuración." in html and '<html lang="es">' in html
    patient.refresh_from_db()
    assert patient.language == "es"
    assert "Su evolución" in client.get("/my/progress/").content.decode()

    # Back to "the language of my browser": English here, and the cached Spanish copy is not served.
    client.post("/my/settings/", {**form, "quiet_hours_end": "08:00", "language": ""})
    patient.refresh_from_db()
    assert patient.language == ""
    assert "Your progress" in client.get("/my/progress/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Su evolución" in client.get("/my/progress/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_the_language_chosen_comes_back_at_the_next_log_in(client, patient):
    client.force_login(spanish(patient).user)
    client.post("/accounts/logout/")
    client.force_login(patient.user)
    assert '<html lang="es">' in client.get("/my/export/").content.decode()


def test_an_unknown_language_is_refused(client, patient):
    client.force_login(patient.user)
    form = {"reminder_time": "18:00", "timezone": "Europe/London", "quiet_hours_start": "21:00"}
    response = client.post("/my/settings/", {**form, "quiet_hours_end": "08:00", "language": "fr"})
    assert "Select a valid choice" in response.content.decode()
    patient.refresh_from_db()
    assert patient.language == ""


def test_the_red_flag_question_is_in_spanish_and_the_alert_stays_in_english(client, patient, program):
    client.force_login(spanish(patient).user)
    html = client.get("/my/check-in/odi/").content.decode()
    assert "¿Tiene alguno de estos síntomas?" in html
    assert "Pida ayuda urgente ahora" in html  # the advice shown as boxes are ticked
    # The questionnaire's items are asked in English, marked so, with a note saying why.
    assert '<span lang="en">1. Pain right now</span>' in html
    assert "Las preguntas de este cuestionario solo están en inglés" in html
    assert english_left(html) == []

    post = {f"section_{i}": "1" for i in range(1, 11)}
    response = client.post(
        "/my/check-in/odi/", {**post, "token": str(uuid.uuid4()), "red_flags": ["wiping"]}, follow=True
    )
    assert "Sensación distinta o ninguna sensación al limpiarse" in response.content.decode()
    alert = patient.alerts.get()
    assert alert.message == "Emergency now: Altered or no feeling when you wipe after using the toilet."


def test_the_invitation_link_opens_in_the_patients_language(client, patient):
    spanish(patient).user.set_unusable_password()
    patient.user.save(update_fields=["password"])
    link = emails.welcome_url(patient.user).removeprefix("http://127.0.0.1:8000")
    response = client.get(link, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    html = response.content.decode()
    assert "Le damos la bienvenida" in html and "Guardar la contraseña y continuar" in html
    assert english_left(html) == []


@pytest.mark.parametrize("questionnaire", Questionnaire.values)
def test_every_questionnaire_is_asked_in_english_inside_a_spanish_page(client, patient, program, questionnaire):
    client.force_login(spanish(patient).user)
    html = client.get(f"/my/check-in/{questionnaire}/").content.decode()
    assert "Enviar mis respuestas" in html and '<span lang="en">' in html
    assert english_left(html) == []
