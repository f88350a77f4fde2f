"""What a patient's own pages (/my/, /my/progress/) depend on, for the page cache (portal.pagecache).

Their topic is the patient's user: bumped whenever a row the pages show is saved or deleted (every write path,
the admin's included; the user's and the patient's own rows too, so a deactivated user or an archived
patient gets the full checks again). They also depend on the exercise library and on the clinics (the
emergency number a patient is told to call is their clinic's), and on the articles (Today lists what to read).
"""

from django.contrib.auth import get_user_model

from articles.models import Reading
from articles.selectors import ARTICLES
from patients.models import Alert, CheckIn, CheckInSchedule, ExerciseLog, SessionLog
from portal.models import Clinic, Patient
from portal.pagecache import CLINICS, bump_on, user_topic
from programs.models import Program, ProgramItem, ProgramPhase
from programs.selectors import LIBRARY


def topics(user_id: int) -> list[str]:
    return [user_topic(user_id), LIBRARY, ARTICLES, CLINICS]  # articles: Today's reading list


def _watched_models() -> dict:
    """Every model the patient's pages show, and how to find the user whose pages a changed row is on."""

    def user_of(model, path: str):
        return lambda pk: model.objects.filter(pk=pk).values_list(path, flat=True).first()

    read_patient_user = user_of(Patient, "user_id")

    def patient_user(row):
        """The user of a row's patient: from the patient the row holds (a session just logged), else one query."""
        if type(row).patient.is_cached(row):
            return row.patient.user_id
        return read_patient_user(row.patient_id)

    program_user = user_of(Program, "patient__user_id")
    session_user = user_of(SessionLog, "patient__user_id")
    return {
        get_user_model(): lambda row: row.pk,
        Patient: lambda row: row.user_id,
        Program: patient_user,
        ProgramPhase: lambda row: program_user(row.program_id),
        ProgramItem: lambda row: program_user(row.program_id),
        SessionLog: patient_user,
        ExerciseLog: lambda row: session_user(row.session_id),
        CheckIn: patient_user,
        CheckInSchedule: patient_user,
        Alert: patient_user,  # a red flag's hold changes Today
        Reading: lambda row: program_user(row.program_id),
    }


def connect_receivers() -> None:
    bump_on(Clinic, CLINICS)
    for model, find_user in _watched_models().items():

        def touched(row, find_user=find_user) -> list[str]:
            user_id = find_user(row)
            return [user_topic(user_id)] if user_id else []

        bump_on(model, touched)
