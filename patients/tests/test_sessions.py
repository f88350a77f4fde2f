import re
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients import services
from patients.models import Alert, ExerciseLog, FollowUpRules, SessionLog
from patients.tests.factories import PatientFactory
from programs.models import Program
from programs.services import add_program_item, pause_program, update_program_item
from programs.tests.factories import ExerciseFactory


def test_a_retried_session_is_recorded_once(log, patient):
    token = uuid.uuid4()
    first = log(token=token)
    again = log(token=token, pain_before=9)

    assert again.pk == first.pk
    assert SessionLog.objects.filter(patient=patient).count() == 1
    assert ExerciseLog.objects.filter(session=first).count() == 3
    assert not Alert.objects.exists()  # the retry's pain 9 was never recorded


def test_logging_a_session_costs_the_same_queries_for_three_exercises_or_nine(log, patient, program, physio):
    """The service checks the rows it was given in Python (the database checks them again on insert): no query per
    exercise, and none to find whose pages the new session makes stale (the patient was read with it)."""
    for _ in range(3):  # the pain baseline's sessions
        log()
    with CaptureQueriesContext(connection) as three:
        log()
    for exercise in ExerciseFactory.create_batch(6):
        add_program_item(program=program, actor=physio, exercise=exercise, phase=program.current_phase)
    with CaptureQueriesContext(connection) as nine:
        session = log()
    assert session.exercises.count() == 9
    shapes = lambda queries: [re.sub(r"\d+", "N", q["sql"].split(" WHERE ")[0])[:120] for q in queries]  # noqa: E731
    assert len(nine) == len(three), set(shapes(nine)) ^ set(shapes(three))
    looked_up = [
        q["sql"] for q in three.captured_queries if 'SELECT 1 AS "a"' in q["sql"] or "patients_patient" in q["sql"]
    ]
    assert not looked_up


def test_exercise_logs_keep_the_dosage_prescribed_when_logged(log, program, physio):
    session = log()
    item = program.items.current().filter(phase=program.current_phase).first()
    update_program_item(item=item, actor=physio, sets=5)

    kept = session.exercises.get(item=item).prescribed
    assert kept["sets"] == 2 and kept["reps"] == 12 and kept["side"] == "left"


def test_a_session_in_the_future_is_refused(log, today):
    with pytest.raises(ValidationError, match="future"):
        log(performed_on=today + timedelta(days=2))
    assert not SessionLog.objects.exists()


def started_a_month_ago(program, today) -> None:
    program.start_date = today - timedelta(days=30)
    program.save(update_fields=["start_date"])


def test_the_service_refuses_a_session_older_than_two_weeks_whoever_calls_it(log, program, today):
    """The rule lives in the service (and the model), not only in the patient's form."""
    started_a_month_ago(program, today)
    with pytest.raises(ValidationError, match="last two weeks") as refused:
        log(performed_on=today - timedelta(days=15))
    assert list(refused.value.message_dict) == ["performed_on"]
    log(performed_on=today - timedelta(days=14))
    assert SessionLog.objects.count() == 1


def test_an_exercise_from_another_program_is_refused(log, other_patient, physio, today):
    from programs.services import assign_program

    other = assign_program(patient=other_patient, physio=physio, start_date=today)
    from programs.tests.factories import ExerciseFactory

    item = other.items.create(phase=other.current_phase, exercise=ExerciseFactory())
    with pytest.raises(ValidationError, match="not part of this program"):
        log(exercises=[{"item": item, "sets_done": 1, "reps_done": 1, "side": "both"}])
    assert not SessionLog.objects.exists()


def test_out_of_range_pain_is_refused_by_the_service(log):
    with pytest.raises(ValidationError):
        log(pain_after=11)


def test_red_flags_raise_one_critical_alert_even_when_retried(log, patient):
    token = uuid.uuid4()
    log(token=token, red_flags=["saddle_numbness"])
    log(token=token, red_flags=["saddle_numbness"])

    alert = Alert.objects.get(patient=patient)
    assert alert.severity == Alert.Severity.CRITICAL and alert.kind == Alert.Kind.RED_FLAG


@pytest.mark.parametrize(("pain_before", "pain_after", "alerted"), [(6, 6, False), (7, 3, True), (2, 8, True)])
def test_pain_at_the_clinics_critical_level_raises_an_urgent_alert(log, pain_before, pain_after, alerted):
    log(pain_before=pain_before, pain_after=pain_after)

    urgent = Alert.objects.filter(kind=Alert.Kind.PAIN_HIGH, severity=Alert.Severity.URGENT)
    assert urgent.exists() is alerted


def test_two_painful_sessions_on_one_day_raise_one_alert(log):
    log(pain_before=8)
    log(pain_before=9)

    assert Alert.objects.filter(kind=Alert.Kind.PAIN_HIGH).count() == 1


def test_the_clinics_own_threshold_applies(log, clinic):
    FollowUpRules.objects.create(clinic=clinic, pain_critical_at=5)
    log(pain_before=5, pain_after=4)

    assert Alert.objects.filter(kind=Alert.Kind.PAIN_HIGH).exists()


def test_pain_rising_over_the_baseline_raises_a_high_alert_after_three_sessions(log, today):
    for days_ago, pain in [(5, 2), (4, 3), (3, 4)]:  # baseline = mean pain before = 3
        log(performed_on=today - timedelta(days=days_ago), pain_before=pain, pain_after=pain)
    assert not Alert.objects.exists()

    log(performed_on=today - timedelta(days=2), pain_before=4, pain_after=4)  # +1: fine
    assert not Alert.objects.exists()
    log(performed_on=today, pain_before=3, pain_after=5)  # +2 after exercise

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity) == (Alert.Kind.PAIN_RISE, Alert.Severity.HIGH)
    assert "baseline 3.0" in alert.message


def test_no_rise_alert_without_a_baseline(log):
    log(pain_before=1, pain_after=1)
    log(pain_before=6, pain_after=6)

    assert not Alert.objects.exists()


# --- Inactivity ------------------------------------------------------------------------------------


def _age(session, hours):
    SessionLog.objects.filter(pk=session.pk).update(logged_at=timezone.now() - timedelta(hours=hours))


@pytest.mark.parametrize(("hours", "expected"), [(10, None), (50, Alert.Severity.LOW), (15 * 24, Alert.Severity.HIGH)])
def test_inactivity_raises_low_then_high_alerts(log, patient, program, hours, expected):
    Program.objects.filter(pk=program.pk).update(start_date=timezone.localdate() - timedelta(days=30))
    _age(log(), hours)

    services.check_inactivity(now=timezone.now())

    assert list(patient.alerts.values_list("severity", flat=True)) == ([expected] if expected else [])


def test_inactivity_alerts_are_raised_once_per_quiet_spell(log, patient):
    _age(log(), 100)
    services.check_inactivity()
    services.check_inactivity()
    assert patient.alerts.count() == 1

    _age(log(), 50)  # they came back, then went quiet again
    services.check_inactivity()
    assert patient.alerts.count() == 2


def test_inactivity_skips_archived_patients_and_paused_programs(log, patient, program, physio, other_patient):
    _age(log(), 50)
    pause_program(program=program, actor=physio)
    services.check_inactivity()
    assert not Alert.objects.exists()


def _started(program, days_ago: int = 0, days_per_week: int = 7) -> datetime:
    """Start `program` `days_ago` days back at midnight where its patient lives; returns that moment."""
    start = program.patient.local_today() - timedelta(days=days_ago)
    Program.objects.filter(pk=program.pk).update(start_date=start)
    program.items.update(days_per_week=days_per_week)
    return datetime.combine(start, time.min, tzinfo=ZoneInfo(program.patient.timezone))


def test_inactivity_counts_from_the_programmes_start_to_the_exact_hour(program, patient):
    started = _started(program, days_ago=3)
    services.check_inactivity(now=started + timedelta(hours=49) - timedelta(seconds=1))
    assert not patient.alerts.exists()
    services.check_inactivity(now=started + timedelta(hours=49))
    assert patient.alerts.get().severity == Alert.Severity.LOW


def test_no_never_logged_alert_before_the_programme_has_started(program, patient):
    Program.objects.filter(pk=program.pk).update(
        start_date=patient.local_today() + timedelta(days=5), created_at=timezone.now() - timedelta(days=4)
    )
    services.check_inactivity(now=timezone.now())
    assert not patient.alerts.exists()


def test_three_days_a_week_raises_nothing_on_its_rest_days(program, patient):
    started = _started(program, days_ago=10, days_per_week=3)  # two rest days between sessions
    services.check_inactivity(now=started + timedelta(hours=49 + 48) - timedelta(seconds=1))
    assert not patient.alerts.exists()
    services.check_inactivity(now=started + timedelta(hours=49 + 48))
    assert patient.alerts.get().severity == Alert.Severity.LOW


def test_the_patients_time_zone_decides_when_the_programme_starts(program, patient):
    patient.timezone = "Australia/Sydney"
    patient.save()
    started = _started(program, days_ago=3)  # midnight in Sydney: 10 or 11 hours before midnight in London
    services.check_inactivity(now=started + timedelta(hours=49) - timedelta(seconds=1))
    assert not patient.alerts.exists()
    services.check_inactivity(now=started + timedelta(hours=49))
    assert patient.alerts.get().severity == Alert.Severity.LOW


def test_inactivity_reads_every_patient_in_a_fixed_number_of_queries(
    program, patient, physio, clinic, django_assert_num_queries
):
    from programs.services import assign_program

    Program.objects.update(start_date=timezone.localdate() - timedelta(days=3))
    with django_assert_num_queries(3):  # rules, candidates, one insert
        services.check_inactivity()
    for _ in range(5):
        assign_program(
            patient=PatientFactory(clinic=clinic, primary_physio=physio), physio=physio, start_date=program.start_date
        )
    Program.objects.exclude(pk=program.pk).update(created_at=timezone.now() - timedelta(days=3))
    with django_assert_num_queries(3):
        services.check_inactivity()
    assert Alert.objects.count() == 6


# --- Program activity columns ---------------------------------------------------------------------


def test_program_activity_counts_sessions_of_the_last_seven_days(log, program, today):
    started_a_month_ago(program, today)
    log(performed_on=today)
    log(performed_on=today - timedelta(days=6))
    log(performed_on=today - timedelta(days=7))
    latest = log(performed_on=today - timedelta(days=8))  # logged last

    annotated = Program.objects.with_activity().get(pk=program.pk)
    assert annotated.sessions_last_7_days == 2
    assert annotated.last_activity == SessionLog.objects.get(pk=latest.pk).logged_at


def test_a_resumed_programme_starts_the_clock_again(log, patient, program, physio):
    from programs.services import resume_program

    _age(log(), 24 * 20)  # the last session, then a pause of weeks
    pause_program(program=program, actor=physio)
    resume_program(program=program, actor=physio)
    services.check_inactivity(now=timezone.now() + timedelta(hours=48))
    assert not patient.alerts.exists()
    services.check_inactivity(now=timezone.now() + timedelta(hours=49))
    assert patient.alerts.get().severity == Alert.Severity.LOW
