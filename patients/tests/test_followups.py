"""Who gets a follow-up email, and when: reminders, check-ins due, weekly summaries and physio digests.

The clock is controlled by passing `now`; the emails are read from the outbox rows (and, for the send-time
checks, delivered through the outbox to Django's test mailbox).
"""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from patients import followups, services
from patients.models import Alert, CheckInSchedule, FollowUpRules, SessionLog
from patients.tests.factories import PatientFactory
from portal.models import OutboundEmail
from portal.outbox.services import deliver_email, opt_out
from programs.services import assign_program, pause_program

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
T = datetime.time
# A Wednesday in summer: London is UTC+1, New York UTC-4.
DAY = datetime.date(2026, 6, 10)


def utc(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, T(hour, minute), tzinfo=datetime.UTC)


def at(zone: ZoneInfo, hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, T(hour, minute), tzinfo=zone)


@pytest.fixture
def make_patient(clinic, physio):
    def make(email: str, *, tz: str = "Europe/London", program: bool = True, **fields):
        fields = {"reminder_time": T(18), "quiet_hours_start": T(21), "quiet_hours_end": T(8), **fields}
        patient = PatientFactory(user__email=email, clinic=clinic, primary_physio=physio, timezone=tz, **fields)
        if program:
            assign_program(patient=patient, physio=physio, start_date=DAY - datetime.timedelta(days=7))
        return patient

    return make


def reminded(now) -> set[str]:
    followups.fan_out_reminders(now=now)
    return set(OutboundEmail.objects.filter(kind="reminder").values_list("recipient", flat=True))


def log_session(patient, day: datetime.date) -> SessionLog:
    return SessionLog.objects.create(
        patient=patient,
        program=patient.programs.get(),
        performed_on=day,
        pain_before=5,
        pain_after=3,
        difficulty=SessionLog.Difficulty.ABOUT_RIGHT,
        token=uuid.uuid4(),
    )


# --- quiet hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "start", "end", "quiet"),
    [
        (T(22), T(21), T(8), True),  # wraps midnight: late evening
        (T(3), T(21), T(8), True),  # wraps midnight: small hours
        (T(8), T(21), T(8), False),  # the end is not quiet any more
        (T(20, 59), T(21), T(8), False),
        (T(13), T(12), T(14), True),  # a daytime range
        (T(14), T(12), T(14), False),
        (T(11), T(12), T(14), False),
        (T(3), T(0), T(0), False),  # start == end: no quiet hours
    ],
)
def test_quiet_hours_including_ranges_that_wrap_midnight(moment, start, end, quiet):
    assert followups.in_quiet_hours(moment, start, end) is quiet


# --- reminders -----------------------------------------------------------------------------------


def test_reminder_follows_each_patients_time_zone(make_patient):
    make_patient("london@test.example", tz="Europe/London")
    make_patient("newyork@test.example", tz="America/New_York")
    assert reminded(at(LONDON, 17, 59)) == set()
    # 18:30 in London is 13:30 in New York.
    assert reminded(at(LONDON, 18, 30)) == {"london@test.example"}
    # 18:05 in New York is 23:05 in London: London is in its quiet hours, and was reminded already anyway.
    assert reminded(at(NEW_YORK, 18, 5)) == {"london@test.example", "newyork@test.example"}
    row = OutboundEmail.objects.get(kind="reminder", recipient="newyork@test.example")
    assert row.key.endswith(f":{DAY.isoformat()}") and row.context["day"] == DAY.isoformat()


def test_no_reminder_in_quiet_hours_and_the_evening_reminder_does_not_wait_for_morning(make_patient):
    make_patient("late@test.example", reminder_time=T(22), quiet_hours_start=T(21), quiet_hours_end=T(8))
    assert reminded(at(LONDON, 22, 30)) == set()
    assert reminded(at(LONDON, 7, 59, day=DAY + datetime.timedelta(days=1))) == set()
    # After quiet hours the next local day has begun, and its reminder time (22:00) is quiet again.
    assert reminded(at(LONDON, 9, 0, day=DAY + datetime.timedelta(days=1))) == set()


def test_morning_reminder_waits_for_the_end_of_quiet_hours_that_wrap_midnight(make_patient):
    make_patient("early@test.example", reminder_time=T(6), quiet_hours_start=T(22), quiet_hours_end=T(7))
    assert reminded(at(LONDON, 6, 30)) == set()
    assert reminded(at(LONDON, 7, 0)) == {"early@test.example"}


def test_daytime_quiet_hours(make_patient):
    make_patient("lunch@test.example", reminder_time=T(11), quiet_hours_start=T(12), quiet_hours_end=T(14))
    assert reminded(at(LONDON, 13)) == set()
    assert reminded(at(LONDON, 14)) == {"lunch@test.example"}


def test_opted_out_patients_get_no_reminder(make_patient):
    make_patient("reminders-off@test.example")
    make_patient("all-off@test.example")
    make_patient("summary-off@test.example")
    opt_out(email="reminders-off@test.example", group="reminders")
    opt_out(email="all-off@test.example", group="all")
    opt_out(email="summary-off@test.example", group="progress")
    assert reminded(at(LONDON, 19)) == {"summary-off@test.example"}


def test_paused_finished_or_missing_program_means_no_reminder(make_patient, physio):
    paused = make_patient("paused@test.example")
    pause_program(program=paused.programs.get(), actor=physio)
    make_patient("none@test.example", program=False)
    make_patient("active@test.example")
    assert reminded(at(LONDON, 19)) == {"active@test.example"}


def test_patient_who_exercised_today_gets_no_reminder(make_patient):
    today = make_patient("today@test.example")
    yesterday = make_patient("yesterday@test.example")
    log_session(today, DAY)
    log_session(yesterday, DAY - datetime.timedelta(days=1))
    assert reminded(at(LONDON, 19)) == {"yesterday@test.example"}


def test_exercise_day_is_the_patients_local_day(make_patient):
    patient = make_patient("ny-late@test.example", tz="America/New_York", quiet_hours_start=T(0), quiet_hours_end=T(0))
    log_session(patient, DAY)
    # 20:00 in New York on DAY is already the next day in UTC: DAY's session still counts.
    assert reminded(at(NEW_YORK, 20)) == set()


def test_at_most_one_reminder_a_day(make_patient):
    make_patient("once@test.example")
    assert followups.fan_out_reminders(now=at(LONDON, 18, 15)) == 1
    assert followups.fan_out_reminders(now=at(LONDON, 18, 30)) == 0
    assert followups.fan_out_reminders(now=at(LONDON, 20, 45)) == 0
    assert followups.fan_out_reminders(now=at(LONDON, 18, 15, day=DAY + datetime.timedelta(days=1))) == 1
    assert OutboundEmail.objects.filter(kind="reminder").count() == 2


def test_archived_uninvited_and_clinic_disabled_patients_get_no_reminder(make_patient, clinic, physio):
    archived = make_patient("archived@test.example")
    services.archive_patients(patients=type(archived).objects.filter(pk=archived.pk), by=physio)
    uninvited = make_patient("uninvited@test.example")
    uninvited.user.set_unusable_password()
    uninvited.user.save()
    make_patient("ok@test.example")
    assert reminded(at(LONDON, 19)) == {"ok@test.example"}
    OutboundEmail.objects.all().delete()
    FollowUpRules.objects.create(clinic=clinic, reminders_enabled=False)
    assert reminded(at(LONDON, 19)) == set()


def test_fan_out_walks_patients_in_batches_with_one_broker_message_per_batch(
    make_patient, monkeypatch, django_capture_on_commit_callbacks
):
    for number in range(5):
        make_patient(f"batch{number}@test.example")
    monkeypatch.setattr(followups, "BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks() as callbacks:
        assert followups.fan_out_reminders(now=at(LONDON, 19)) == 5
    assert len(callbacks) == 3  # 2 + 2 + 1 patients: one insert and one enqueue each
    assert OutboundEmail.objects.filter(kind="reminder", queued_at__isnull=False).count() == 5


# --- the reminder at send time ---------------------------------------------------------------------


@pytest.fixture
def queued_reminder(make_patient):
    """A reminder queued for real now: due all day (reminder at midnight, no quiet hours)."""
    patient = make_patient("now@test.example", reminder_time=T(0), quiet_hours_start=T(0), quiet_hours_end=T(0))
    assert followups.fan_out_reminders() == 1
    return patient, OutboundEmail.objects.get(kind="reminder")


def test_reminder_is_sent_with_a_link_to_today_and_an_unsubscribe_link(queued_reminder):
    _patient, row = queued_reminder
    assert deliver_email(email_id=row.pk).status == "sent"
    (message,) = mail.outbox
    assert message.subject == "A reminder for today's exercises"
    assert "/my/" in message.body and "/email/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


@pytest.mark.parametrize("change", ["archived", "opted_out", "paused", "exercised"])
def test_reminder_is_cancelled_when_no_longer_due_at_send_time(queued_reminder, physio, change):
    patient, row = queued_reminder
    if change == "archived":
        services.archive_patients(patients=type(patient).objects.filter(pk=patient.pk), by=physio)
    elif change == "opted_out":
        opt_out(email=patient.user.email, group="reminders")
    elif change == "paused":
        pause_program(program=patient.programs.get(), actor=physio)
    else:
        log_session(patient, datetime.date.fromisoformat(row.context["day"]))
    assert deliver_email(email_id=row.pk).status == "cancelled"
    row.refresh_from_db()
    assert row.status == "cancelled" and row.cancel_reason
    assert mail.outbox == []


# --- check-ins due, weekly summary, physio digest ----------------------------------------------------


def test_check_in_due_email_once_per_due_date_in_the_patients_morning(make_patient):
    patient = make_patient("checkin@test.example", tz="America/New_York")
    patient.check_in_schedules.exclude(questionnaire="odi").delete()  # assigning the programme made them: ODI only
    CheckInSchedule.objects.update_or_create(
        patient=patient, questionnaire="odi", defaults={"every_days": 7, "next_due_on": DAY}
    )
    assert followups.fan_out_check_ins_due(now=at(NEW_YORK, 8, 59)) == 0
    assert followups.fan_out_check_ins_due(now=at(NEW_YORK, 9, 0)) == 1
    assert followups.fan_out_check_ins_due(now=at(NEW_YORK, 9, 0, day=DAY + datetime.timedelta(days=1))) == 0
    CheckInSchedule.objects.filter(patient=patient).update(next_due_on=DAY + datetime.timedelta(days=7))
    assert followups.fan_out_check_ins_due(now=at(NEW_YORK, 9, 0, day=DAY + datetime.timedelta(days=3))) == 0
    assert followups.fan_out_check_ins_due(now=at(NEW_YORK, 10, 0, day=DAY + datetime.timedelta(days=7))) == 1
    keys = sorted(OutboundEmail.objects.filter(kind="check_in_due").values_list("key", flat=True))
    assert keys == [f"check_in_due:{patient.pk}:2026-06-10", f"check_in_due:{patient.pk}:2026-06-17"]


def test_check_in_due_email_lists_what_is_due_and_is_cancelled_once_answered(make_patient):
    patient = make_patient("checkin2@test.example", reminder_time=T(0), quiet_hours_start=T(0), quiet_hours_end=T(0))
    patient.check_in_schedules.exclude(questionnaire="odi").delete()  # assigning the programme made them: ODI only
    schedule, _ = CheckInSchedule.objects.update_or_create(
        patient=patient, questionnaire="odi", defaults={"every_days": 7, "next_due_on": datetime.date.today()}
    )
    now = datetime.datetime.now(datetime.UTC).replace(hour=12)
    assert followups.fan_out_check_ins_due(now=now) == 1
    row = OutboundEmail.objects.get(kind="check_in_due")
    assert deliver_email(email_id=row.pk).status == "sent"
    assert "Oswestry" in mail.outbox[0].body and "/my/check-in/" in mail.outbox[0].body
    schedule.next_due_on = datetime.date.today() + datetime.timedelta(days=7)
    schedule.save()
    OutboundEmail.objects.filter(pk=row.pk).update(status="pending")
    assert deliver_email(email_id=row.pk).status == "cancelled"


def test_weekly_summary_on_the_clinics_weekday_with_pain_in_the_body_only(make_patient, clinic):
    patient = make_patient("weekly@test.example", quiet_hours_start=T(0), quiet_hours_end=T(0))
    FollowUpRules.objects.create(clinic=clinic, weekly_summary_weekday=DAY.weekday())
    assert followups.fan_out_weekly_summaries(now=at(LONDON, 10, day=DAY - datetime.timedelta(days=1))) == 0
    assert followups.fan_out_weekly_summaries(now=at(LONDON, 10)) == 1
    assert followups.fan_out_weekly_summaries(now=at(LONDON, 15)) == 0  # once a week
    today = datetime.date.today()
    log_session(patient, today)
    log_session(patient, today - datetime.timedelta(days=2))
    row = OutboundEmail.objects.get(kind="weekly_summary")
    OutboundEmail.objects.filter(pk=row.pk).update(context={"patient_id": patient.pk, "week_ending": str(today)})
    assert deliver_email(email_id=row.pk).status == "sent"
    (message,) = mail.outbox
    assert "Sessions logged: 2" in message.body and "pain before exercising: 5" in message.body
    assert "pain" not in message.subject.lower() and message.subject == "Your week with Riverside"


def test_physio_digest_once_a_day_from_the_clinics_digest_hour(patient, physio, physio2, clinic):
    clinic.timezone = "America/New_York"
    clinic.save()
    FollowUpRules.objects.create(clinic=clinic, physio_digest_hour=7)
    services.raise_alert(patient=patient, kind=Alert.Kind.NO_SESSION, severity=Alert.Severity.LOW, key="a", message="m")
    assert followups.fan_out_physio_digests(now=at(NEW_YORK, 6, 59)) == 0
    assert followups.fan_out_physio_digests(now=at(NEW_YORK, 7, 0)) == 1
    assert followups.fan_out_physio_digests(now=at(NEW_YORK, 16, 0)) == 0
    row = OutboundEmail.objects.get(kind="physio_digest")
    assert row.recipient == physio.email  # physio2 has no open alerts
    assert deliver_email(email_id=row.pk).status == "sent"
    (message,) = mail.outbox
    assert message.subject == "1 open alert for your patients"
    assert str(patient) in message.body and "No session logged" in message.body
