import datetime
import json
import uuid

import pytest

from patients import services
from patients.exports import fold, ical_escape
from programs.services import assign_program
from programs.tests.factories import ExerciseFactory


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def test_export_page_links_both_files(patient_client):
    html = patient_client.get("/my/export/").content.decode()
    assert 'href="/my/export/my-data.csv"' in html and 'href="/my/export/my-data.json"' in html


def test_json_export_holds_the_patients_data_and_no_one_elses(
    patient_client, patient, other_patient, physio, log, today
):
    log(note="My own note")
    other_program = assign_program(patient=other_patient, physio=physio, start_date=today)
    services.log_session(
        patient=other_patient,
        program=other_program,
        performed_on=today,
        pain_before=1,
        pain_after=1,
        difficulty="about_right",
        note="Someone else's note",
        red_flags=[],
        exercises=[],
        token=uuid.uuid4(),
    )

    response = patient_client.get("/my/export/my-data.json")

    assert response["Content-Disposition"] == f'attachment; filename="my-exercise-data-{today:%Y-%m-%d}.json"'
    data = json.loads(response.content)
    assert data["profile"]["email"] == patient.user.email
    assert [s["note"] for s in data["sessions"]] == ["My own note"]
    assert len(data["sessions"][0]["exercises"]) == 3
    assert data["sessions"][0]["exercises"][0]["prescribed"]["reps"] == 12
    assert len(data["programs"]) == 1 and len(data["programs"][0]["items"]) == 6
    assert b"Someone else" not in response.content and other_patient.user.email.encode() not in response.content


def test_csv_export_has_a_block_per_kind_of_record(patient_client, log, today):
    log(note="Hips, then back; fine")

    response = patient_client.get("/my/export/my-data.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'my-exercise-data-{today:%Y-%m-%d}.csv"')
    text = response.content.decode()
    for title in ("Profile", "Programme exercises", "Sessions", "Check-ins"):
        assert f"\r\n{title}\r\n" in f"\r\n{text}"
    assert '"Hips, then back; fine"' in text


def test_an_unknown_export_format_is_404(patient_client):
    assert patient_client.get("/my/export/my-data.xml").status_code == 404


# --- Calendar feed --------------------------------------------------------------------------------


def feed(client, patient):
    return client.get(f"/my/calendar/{patient.calendar_token}.ics")


def test_the_calendar_feed_has_a_daily_event_at_the_reminder_time_for_the_current_phase(client, patient, program):
    patient.timezone, patient.reminder_time = "Europe/London", datetime.time(18, 30)
    patient.save()
    phase = program.current_phase

    response = feed(client, patient)  # no login needed

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    assert text.count("BEGIN:VEVENT") == (phase.end_date - phase.start_date).days + 1
    assert f"DTSTART:{phase.start_date:%Y%m%d}T" in text
    first_item = program.items.current().filter(phase=phase).first()
    assert ical_escape(first_item.exercise.name) in text.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_calendar_times_follow_the_patients_time_zone(client, patient, physio, today):
    patient.timezone, patient.reminder_time = "America/New_York", datetime.time(7, 0)
    patient.save()
    program = assign_program(patient=patient, physio=physio, start_date=datetime.date(2026, 7, 1))
    program.items.create(
        phase=program.current_phase,
        exercise=ExerciseFactory(),
    )

    text = feed(client, patient).content.decode()
    assert "DTSTART:20260701T110000Z" in text  # 07:00 EDT


def test_a_rotated_unknown_or_archived_calendar_token_is_404(client, patient, program, physio):
    old = patient.calendar_token
    services.rotate_calendar_token(patient=patient)
    assert client.get(f"/my/calendar/{old}.ics").status_code == 404
    assert client.get("/my/calendar/00000000-0000-0000-0000-000000000000.ics").status_code == 404
    assert feed(client, patient).status_code == 200

    services.archive_patients(patients=type(patient).objects.filter(pk=patient.pk), by=physio)
    assert feed(client, patient).status_code == 404


def test_ical_text_escaping_and_folding():
    assert ical_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 80
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
