"""Each email a patient receives is in their language, rendered through the outbox exactly as the send task does;
the physios' alert about them stays in English."""

import datetime
import uuid

import pytest
from django.core import mail

from patients import emails, services
from patients.models import CheckInSchedule
from patients.questionnaires import Questionnaire
from portal.models import OutboundEmail
from portal.outbox import queue_email
from portal.outbox.services import deliver_email
from testing.i18n import english_in_email


def invitation(patient, program, log, today):
    patient.user.set_unusable_password()
    patient.user.save(update_fields=["password"])
    return emails.queue_invitation(patient=patient)


def reminder(patient, program, log, today):
    context = {"patient_id": patient.pk, "day": patient.local_today().isoformat()}
    return queue_email(kind=emails.REMINDER, to=patient.email, key="reminder:test", context=context)


def check_in_due(patient, program, log, today):
    CheckInSchedule.objects.update_or_create(
        patient=patient, questionnaire=Questionnaire.ODI, defaults={"next_due_on": today}
    )
    context = {"patient_id": patient.pk, "due_on": today.isoformat()}
    return queue_email(kind=emails.CHECK_IN_DUE, to=patient.email, key="check-in:test", context=context)


def weekly_summary(patient, program, log, today):
    log(performed_on=today - datetime.timedelta(days=1), pain_before=3, pain_after=2)
    log(performed_on=today - datetime.timedelta(days=2), pain_before=4, pain_after=2)
    context = {"patient_id": patient.pk, "week_ending": today.isoformat()}
    return queue_email(kind=emails.WEEKLY_SUMMARY, to=patient.email, key="week:test", context=context)


KINDS = [invitation, reminder, check_in_due, weekly_summary]
SPANISH = {
    invitation: ["Hola, First", "Elija su contraseña aquí (el enlace funciona una sola vez, durante 3 días)"],
    reminder: ["Todavía no ha registrado los ejercicios de hoy", "Para no recibir más estos correos:"],
    check_in_due: ["Su fisioterapeuta le pide que responda", "El dolor de espalda y la vida diaria (Oswestry)"],
    weekly_summary: ["Sesiones registradas: 2 (en 2 días)", "Dolor medio antes de los ejercicios: 3,5 de 10"],
}
ENGLISH = {
    invitation: ["Hello First", "Choose your password here (the link works once, for 3 days)"],
    reminder: ["You have not logged today's exercises yet", "Stop these emails"],
    check_in_due: ["Your physiotherapist would like you to answer", "Back pain and daily life (Oswestry)"],
    weekly_summary: ["Sessions logged: 2 (on 2 days)", "Average pain before exercising: 3.5 out of 10"],
}


def sent(row):
    assert deliver_email(email_id=row.pk).status == "sent"
    (message,) = [message for message in mail.outbox if message.extra_headers["Message-ID"] == row.message_id]
    return message


@pytest.mark.parametrize("make", KINDS, ids=lambda make: make.__name__)
def test_a_spanish_patients_email_is_in_spanish(make, patient, program, log, today):
    patient.language = "es"
    patient.save(update_fields=["language"])
    message = sent(make(patient, program, log, today))
    assert message.extra_headers["Content-Language"] == "es"
    assert english_in_email(message) == []
    for words in SPANISH[make]:
        assert words in message.body
    assert all(words not in message.body for words in ENGLISH[make])


@pytest.mark.parametrize("make", KINDS, ids=lambda make: make.__name__)
def test_an_english_patients_email_is_in_english(make, patient, program, log, today):
    message = sent(make(patient, program, log, today))
    assert message.extra_headers["Content-Language"] == "en-gb"
    assert english_in_email(message) != []
    for words in ENGLISH[make]:
        assert words in message.body


def test_the_physios_alert_about_a_spanish_patient_is_in_english(patient, program, physio):
    patient.language = "es"
    patient.save(update_fields=["language"])
    services.report_red_flags(patient=patient, flags=["wiping"], token=uuid.uuid4(), source="session")
    (row,) = OutboundEmail.objects.filter(kind=emails.ALERT, recipient=physio.email)
    message = sent(row)
    assert message.extra_headers["Content-Language"] == "en-gb"
    assert "Altered or no feeling when you wipe after using the toilet" in message.body
    assert "Get emergency help now" in message.body


def test_a_patient_added_in_spanish_is_invited_in_spanish(clinic, physio):
    patient = services.create_patient(
        clinic=clinic,
        primary_physio=physio,
        email="ana@test.example",
        first_name="Ana",
        last_name="Ruiz",
        language="es",
    )
    row = OutboundEmail.objects.get(recipient=patient.user.email, kind="invitation")
    body = sent(row).body
    assert "Hola, Ana" in body and "Elija su contraseña" in body
