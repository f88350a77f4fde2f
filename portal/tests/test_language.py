"""How the portal picks a language: the browser's (LocaleMiddleware), a patient's own setting over it, English
for the admin and for staff emails; each language has its own copy of a cached page."""

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils import translation

from portal import accounts, views
from portal.models import OutboundEmail
from portal.outbox.rendering import unsubscribe_url
from portal.outbox.services import deliver_email

SPANISH = "es-ES,es;q=0.9,en;q=0.5"


def test_a_visitor_gets_the_browsers_language_and_the_default_otherwise(client, db):
    assert '<html lang="es">' in client.get("/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert '<html lang="en-gb">' in client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr").content.decode()
    assert '<html lang="en-gb">' in client.get("/").content.decode()


def test_each_language_has_its_own_copy_of_a_cached_public_page(client, db):
    assert "<h1>Artículos</h1>" in client.get("/articles/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    english = client.get("/articles/", HTTP_ACCEPT_LANGUAGE="en")
    assert "<h1>Articles</h1>" in english.content.decode()
    assert "Accept-Language" in english["Vary"]


def test_the_admin_stays_in_english_whatever_the_browser_says(client, physio):
    client.force_login(physio)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert '<html lang="en-gb"' in html
    assert "Log out" in html and "Cerrar sesión" not in html


def test_the_500_page_speaks_the_request_language_without_the_database(settings):
    # No database fixture: pytest-django fails any query.
    settings.EMERGENCY_NUMBER, settings.EMERGENCY_DEPARTMENT = "112", "urgencias"
    with translation.override("es"):
        response = views.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="es">' in html and "Algo ha fallado por nuestra parte" in html
    assert "llame al 112 o vaya a urgencias ahora" in html


@pytest.mark.parametrize(("language", "words"), [("es", "Alguien ha pedido restablecer"), ("", "Someone asked")])
def test_a_patients_password_reset_email_is_in_their_language(patient, language, words):
    patient.language = language
    patient.save(update_fields=["language"])
    assert accounts.request_password_reset(email=patient.email, ip=None)
    row = OutboundEmail.objects.get(kind=accounts.PASSWORD_RESET)
    assert deliver_email(email_id=row.pk).status == "sent"
    (message,) = mail.outbox
    assert words in message.body


def test_a_staff_members_password_reset_email_is_in_english(physio):
    with translation.override("es"):  # even from a request in Spanish
        assert accounts.request_password_reset(email=physio.email, ip=None)
        deliver_email(email_id=OutboundEmail.objects.get(kind=accounts.PASSWORD_RESET).pk)
    (message,) = mail.outbox
    assert message.subject == "Reset your Back & Spine Clinic password"


def test_the_unsubscribe_page_names_the_emails_in_the_visitors_language(client, db):
    url = unsubscribe_url("patient@test.example", "reminders")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert "Dejaremos de enviar <strong>los recordatorios de ejercicios</strong>" in html
    html = client.get(url).content.decode()
    assert "We will stop sending <strong>exercise reminders</strong>" in html
