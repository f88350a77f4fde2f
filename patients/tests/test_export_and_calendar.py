import datetime
import json
import uuid
import zoneinfo

import icalendar
import pytest

from patients import services
from patients.exports import session_times
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


def events(response) -> list:
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_the_calendar_feed_has_a_daily_event_with_an_alarm_at_the_reminder_time(client, patient, program):
    patient.timezone, patient.reminder_time = "Europe/London", datetime.time(18, 30)
    patient.save()
    phase = program.current_phase

    response = feed(client, patient)  # no login needed

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline;")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["REFRESH-INTERVAL"].to_ical() == calendar["X-PUBLISHED-TTL"].to_ical() == b"PT6H"
    days = events(response)
    assert len(days) == (phase.end_date - phase.start_date).days + 1
    first = days[0]
    start = first.decoded("DTSTART").astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert (start.date(), start.time()) == (phase.start_date, datetime.time(18, 30))
    first_item = program.items.current().filter(phase=phase).first()
    assert first_item.exercise.name in str(first["DESCRIPTION"])
    (alarm,) = first.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and alarm.decoded("TRIGGER") == datetime.timedelta(0)
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))  # folded by the library


def test_one_event_per_time_of_day_each_listing_what_is_due_then(client, patient, physio, today):
    patient.timezone, patient.reminder_time = "UTC", datetime.time(18, 0)
    patient.save()
    program = assign_program(patient=patient, physio=physio, start_date=today)
    twice = program.items.create(phase=program.current_phase, exercise=ExerciseFactory(), times_per_day=2)
    once = program.items.create(phase=program.current_phase, exercise=ExerciseFactory(), times_per_day=1)

    first_day = [event for event in events(feed(client, patient)) if event.decoded("DTSTART").date() == today]

    assert [event.decoded("DTSTART").time() for event in first_day] == [datetime.time(8, 0), datetime.time(18, 0)]
    morning, evening = (str(event["DESCRIPTION"]) for event in first_day)
    assert twice.exercise.name in morning and once.exercise.name not in morning
    assert twice.exercise.name in evening and once.exercise.name in evening  # once a day: at the reminder time
    assert "(1 of 2)" in str(first_day[0]["SUMMARY"]) and all(event.walk("VALARM") for event in first_day)


@pytest.mark.parametrize(
    ("reminder", "count", "expected"),
    [
        ("18:00", 1, ["18:00"]),
        ("18:00", 3, ["18:00", "13:00", "08:00"]),
        ("09:00", 2, ["09:00", "20:00"]),
        ("21:00", 10, ["21:00", "19:00", "17:00", "15:00", "13:00", "11:00", "09:00", "07:00", "05:00", "03:00"]),
        ("07:00", 10, ["07:00", "09:00", "11:00", "13:00", "15:00", "17:00", "19:00", "21:00", "23:00"]),
    ],
)
def test_session_times_start_at_the_reminder_and_stay_two_hours_apart_within_the_day(reminder, count, expected):
    at = datetime.time.fromisoformat(reminder)
    assert [t.strftime("%H:%M") for t in session_times(at, count)] == expected


def test_the_download_link_saves_the_file(client, patient, program):
    response = client.get(f"/my/calendar/{patient.calendar_token}.ics?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="my-exercises.ics"'


def test_calendar_times_follow_the_patients_time_zone(client, patient, physio, today):
    patient.timezone, patient.reminder_time = "America/New_York", datetime.time(7, 0)
    patient.save()
    program = assign_program(patient=patient, physio=physio, start_date=datetime.date(2026, 7, 1))
    program.items.create(
        phase=program.current_phase,
        exercise=ExerciseFactory(),
    )

    (first, *_) = events(feed(client, patient))
    assert first.decoded("DTSTART") == datetime.datetime(2026, 7, 1, 11, 0, tzinfo=datetime.UTC)  # 07:00 EDT


def test_a_rotated_unknown_or_archived_calendar_token_is_404(client, patient, program, physio):
    old = patient.calendar_token
    services.rotate_calendar_token(patient=patient)
    assert client.get(f"/my/calendar/{old}.ics").status_code == 404
    assert client.get("/my/calendar/00000000-0000-0000-0000-000000000000.ics").status_code == 404
    assert feed(client, patient).status_code == 200

    services.archive_patients(patients=type(patient).objects.filter(pk=patient.pk), by=physio)
    assert feed(client, patient).status_code == 404
