"""Demo patients. `patient@example.com` comes with six weeks of history, so every chart, the physio's lists and
the emails have something to show on first login: sessions with pain easing, a missed third week, the baseline
and two-weekly check-ins, a pain flare three days ago that opened an alert, and today's check-ins due."""

import random
import uuid
from datetime import datetime, time, timedelta

from django.utils import timezone

from patients.models import CheckIn, ExerciseLog, SessionLog
from patients.questionnaires import Questionnaire
from patients.services import create_patient, log_session, submit_check_in
from portal.demo import DEMO_PASSWORD
from portal.models import Patient
from programs.models import Program
from programs.services import advance_phase, assign_program

DEMO_PROGRAM_TEMPLATE = "lbp-both-legs-gentle-start"

PATIENTS = [
    ("patient", "patient@example.com", "Sam", "Taylor", "physio"),
    ("patient2", "patient2@example.com", "Jordan", "Evans", "physio"),
]


def seed(demo: dict) -> None:
    for key, email, first, last, physio_key in PATIENTS:
        patient = Patient.objects.filter(user__email=email).select_related("user").first()
        if patient is None:
            patient = create_patient(
                clinic=demo["clinic"], primary_physio=demo[physio_key], email=email, first_name=first, last_name=last
            )
            patient.user.set_password(DEMO_PASSWORD)
            patient.user.save(update_fields=["password"])
        demo[key] = patient
        demo["logins"].append(email)

    patient = demo["patient"]
    if not Program.objects.filter(patient=patient).exists():
        _history(patient, demo["physio"], demo["templates"][DEMO_PROGRAM_TEMPLATE])


HISTORY_DAYS = 42
MISSED_WEEK = range(14, 21)
FLARE_DAY = HISTORY_DAYS - 3
PSFS_ACTIVITIES = ["Putting on socks", "Walking to the shop", "Sitting through a film"]


def _psfs(*scores: int) -> dict:
    return {"activities": [{"name": n, "score": s} for n, s in zip(PSFS_ACTIVITIES, scores, strict=True)]}


# (day, questionnaire, answers): baseline, then every two weeks; the scores improve.
CHECK_INS = [
    (
        0,
        Questionnaire.STARTBACK,
        {"agree": [True, True, True, False, True, False, False, False], "bothersomeness": "moderately"},
    ),
    (0, Questionnaire.ODI, {"sections": [3, 2, 3, 2, 3, 2, None, 2, 2, 3]}),
    (0, Questionnaire.PSFS, _psfs(3, 4, 2)),
    (14, Questionnaire.ODI, {"sections": [2, 2, 2, 2, 2, 2, None, 2, 1, 2]}),
    (14, Questionnaire.PSFS, _psfs(5, 5, 4)),
    (28, Questionnaire.ODI, {"sections": [1, 1, 2, 1, 2, 1, None, 1, 1, 2]}),
    (28, Questionnaire.PSFS, _psfs(7, 6, 6)),
]


def _history(patient: Patient, physio, template) -> None:
    """Six weeks of a programme, as the patient lived it. Sessions older than the two weeks a patient may
    log back are written as rows (the service refuses them, rightly); the last two weeks, the check-ins and the
    alert go through the services, so what they raise is what the rules say."""
    today = patient.local_today()
    start = today - timedelta(days=HISTORY_DAYS)
    program = assign_program(patient=patient, physio=physio, template=template, start_date=start)
    rng = random.Random(7)
    for day in range(HISTORY_DAYS):
        if day == 14:
            advance_phase(program=program, actor=physio)
            program.refresh_from_db()
        if day in MISSED_WEEK or day % 7 in (2, 5):  # rest days, and the week they missed
            continue
        on = start + timedelta(days=day)
        before = max(1, round(6 - day / 10 + rng.uniform(-0.6, 0.6)))
        after = 7 if day == FLARE_DAY else max(0, before - 1)  # the flare: the open alert
        items = list(program.items.current().filter(phase_id=program.current_phase_id))
        values = {
            "patient": patient,
            "program": program,
            "performed_on": on,
            "pain_before": before,
            "pain_after": after,
            "difficulty": "about_right" if after < 7 else "too_hard",
            "note": "Legs worse after a long drive." if after == 7 else "",
        }
        done = [{"item": i, "sets_done": i.sets, "reps_done": i.reps, "side": i.side} for i in items]
        if (today - on).days < 14:
            session = log_session(**values, red_flags=[], exercises=done, token=uuid.uuid4())
        else:
            session = SessionLog.objects.create(**values, phase_id=program.current_phase_id, token=uuid.uuid4())
            ExerciseLog.objects.bulk_create(
                ExerciseLog(session=session, prescribed=row["item"].prescribed_dosage(), **row) for row in done
            )
        evening = datetime.combine(on, time(18, 30), tzinfo=timezone.get_current_timezone())
        SessionLog.objects.filter(pk=session.pk).update(logged_at=evening)
    for day, questionnaire, answers in CHECK_INS:
        check_in = submit_check_in(
            patient=patient, questionnaire=questionnaire, answers=answers, red_flags=[], token=uuid.uuid4()
        )
        morning = datetime.combine(start + timedelta(days=day), time(9, 15), tzinfo=timezone.get_current_timezone())
        CheckIn.objects.filter(pk=check_in.pk).update(submitted_at=morning)
    # The pathway as it stands after six weeks: Oswestry and PSFS due today, GROC at six weeks (today).
    patient.check_in_schedules.filter(questionnaire__in=[Questionnaire.ODI, Questionnaire.PSFS]).update(
        next_due_on=today
    )
