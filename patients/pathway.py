"""The outcome pathway: which questionnaires a patient answers, and when.

Assigning a programme starts the clinic's pathway (its steps in the admin, Follow-up rules → Outcome pathway;
`DEFAULT_PATHWAY` for a clinic without any); the physio can change a patient's schedule on the patient's admin
page. Pausing the programme stops the schedule until it resumes (`CheckInSchedule.objects.due`); completing it
asks the discharge questionnaires and ends the rest. Dates are the patient's own (`Patient.local_today()`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from patients.models import CheckInSchedule, PathwayStep
from patients.questionnaires import Questionnaire
from portal.models import Patient


@dataclass(frozen=True)
class Step:
    questionnaire: str
    first_week: int | None  # 0 = at the start; None = only at discharge
    every_weeks: int = 0  # 0 = once
    at_discharge: bool = False


# STarT Back and Oswestry at baseline, Oswestry and PSFS every two weeks, GROC at six weeks and at discharge.
DEFAULT_PATHWAY = [
    Step(Questionnaire.STARTBACK, 0),
    Step(Questionnaire.ODI, 0, every_weeks=2, at_discharge=True),
    Step(Questionnaire.PSFS, 0, every_weeks=2, at_discharge=True),
    Step(Questionnaire.GROC, 6, at_discharge=True),
]


def steps_for(clinic_id: int) -> list[Step]:
    rows = PathwayStep.objects.filter(rules__clinic_id=clinic_id)
    steps = [Step(row.questionnaire, row.first_week, row.every_weeks, row.at_discharge) for row in rows]
    return steps or DEFAULT_PATHWAY


def start(*, patient: Patient, start_date: date) -> None:
    """The clinic's pathway from the programme's start date: a schedule per questionnaire, replacing any earlier
    programme's (a new programme is a new baseline)."""
    steps = steps_for(patient.clinic_id)
    for step in steps:
        first = None if step.first_week is None else start_date + timedelta(weeks=step.first_week)
        CheckInSchedule.objects.update_or_create(
            patient=patient,
            questionnaire=step.questionnaire,
            defaults={
                "every_days": step.every_weeks * 7,
                "next_due_on": first,
                "at_discharge": step.at_discharge,
                "active": True,
            },
        )
    patient.check_in_schedules.exclude(questionnaire__in=[step.questionnaire for step in steps]).update(active=False)


def discharge(*, patient: Patient) -> None:
    """The programme is completed: the discharge questionnaires fall due today, the others stop."""
    today = patient.local_today()
    for schedule in patient.check_in_schedules.select_for_update():
        schedule.active = schedule.active and schedule.at_discharge
        schedule.next_due_on = today if schedule.at_discharge else None
        schedule.every_days = 0 if schedule.at_discharge else schedule.every_days
        schedule.save(update_fields=["active", "next_due_on", "every_days"])


def answered(*, patient: Patient, questionnaire: str) -> None:
    """The next date after an answer: every N days from the patient's today, or none for a one-off."""
    schedule = patient.check_in_schedules.select_for_update().filter(questionnaire=questionnaire).first()
    if schedule is None:
        return
    today = patient.local_today()
    schedule.next_due_on = today + timedelta(days=schedule.every_days) if schedule.every_days else None
    schedule.save(update_fields=["next_due_on"])
