"""The handout and the programme email in the patient's language; the library's exercise text stays English,
marked lang="en"."""

import pytest
import weasyprint
from django.core import mail

from portal.models import OutboundEmail
from portal.outbox.services import deliver_email
from programs import services
from programs.emails import PROGRAM_ASSIGNED
from programs.tests.factories import START
from testing.i18n import english_in_email, english_left


@pytest.fixture
def spanish_patient(patient):
    patient.language = "es"
    patient.save(update_fields=["language"])
    return patient


def test_the_handout_of_a_spanish_patient_has_spanish_chrome(client, spanish_patient, program):
    client.force_login(spanish_patient.user)
    html = client.get(f"/my/programs/{program.pk}/handout/").content.decode()
    assert "Este contenido solo está disponible en inglés." in html
    assert "2 series de 12, mantener 10 segundos, una vez al día, solo el lado izquierdo" in html
    assert "Pare si:" in html and "¿Tiene preguntas? Póngase en contacto con Riverside" in html
    item = program.items.select_related("exercise").first()
    assert f'<span lang="en">{item.exercise.name}</span>' in html
    assert english_left(html) == []


def test_the_handout_pdf_follows_the_patients_setting_not_the_browser(client, patient, program, monkeypatch):
    client.force_login(patient.user)  # logged in before choosing Spanish: the page itself follows the browser
    patient.language = "es"
    patient.save(update_fields=["language"])
    rendered = []

    class Capture:  # WeasyPrint's input: the PDF's text cannot be read back here without poppler's pdftotext
        def __init__(self, string, base_url):
            rendered.append(string)

        def write_pdf(self):
            return b"%PDF-1.7\n%%EOF\n"  # a whole file, as the handout store checks

    monkeypatch.setattr(weasyprint, "HTML", Capture)
    response = client.get(f"/my/programs/{program.pk}/handout.pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "application/pdf"
    (html,) = rendered
    assert '<html lang="es">' in html and "Pare si:" in html
    assert english_left(html) == []


def test_the_handout_of_an_english_patient_is_in_english(client, patient, program):
    client.force_login(patient.user)
    html = client.get(f"/my/programs/{program.pk}/handout/").content.decode()
    assert "Questions? Contact Riverside" in html
    assert "This content is only available in English." not in html


@pytest.mark.parametrize(("language", "words"), [("es", "ha preparado su programa"), ("", "has prepared your")])
def test_the_programme_email_is_in_the_patients_language(patient, physio, template, language, words):
    patient.language = language
    patient.save(update_fields=["language"])
    program = services.assign_program(patient=patient, physio=physio, template=template, start_date=START)
    row = OutboundEmail.objects.get(key=f"{PROGRAM_ASSIGNED}:{program.pk}")
    assert deliver_email(email_id=row.pk).status == "sent"
    (message,) = mail.outbox
    assert words in message.body
    assert (english_in_email(message) == []) is (language == "es")
