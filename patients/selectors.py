"""Reads for the patient's pages and the physio's progress page.

Every read is a fixed number of queries however long the patient's history is: figures are
aggregated in the database and lists are bounded by a window or a slice.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Avg, Case, Count, Exists, Max, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from patients import scoring
from patients.charts import LineChart, Series, line_chart
from patients.models import Alert, CheckIn, CheckInSchedule, ExerciseLog, SessionLog
from patients.questionnaires import STAFF_LABELS, Questionnaire
from portal.models import AuditEvent, OutboundEmail, Patient
from programs.models import Program, ProgramItem, ProgramPhase, ProgramTemplate
from programs.selectors import approved_pictures

PROGRESS_WEEKS = 12
RECENT_SESSIONS = 10
OPEN_ALERTS = 10
SCORES_DAYS = 365
WEEKDAYS = [WEEKDAYS_ABBR[day] for day in range(7)]  # Mon … Sun, in the active language


# --- Today ---------------------------------------------------------------------------------------------


@dataclass
class TodayPlan:
    """What /my/ shows. `state`: on_hold, no_program, paused, not_started, nothing_due or due."""

    today: date
    state: str
    program: Program | None = None
    items: list[ProgramItem] = field(default_factory=list)
    done_this_week: dict[int, int] = field(default_factory=dict)
    logged_today: list[SessionLog] = field(default_factory=list)
    hold: Alert | None = None  # the red-flag alert that keeps the routine on hold


def current_items(program: Program) -> list[ProgramItem]:
    return list(
        program.items.current()
        .filter(phase_id=program.current_phase_id)
        .select_related("exercise")
        .prefetch_related(approved_pictures("exercise__images"))
    )


def today_plan(patient: Patient) -> TodayPlan:
    """Exercises of the active program's current phase that are due today.

    An item prescribed every day is always due. One prescribed fewer days a week is due until the patient
    has done it on that many days this week (Monday to Sunday).
    """
    today = patient.local_today()
    holding = Alert.objects.holding().filter(patient=patient)
    programs = list(
        patient.programs.filter(status__in=[Program.Status.ACTIVE, Program.Status.PAUSED])
        .select_related("current_phase")
        .annotate(on_hold=Exists(holding))  # the alert itself is read only when there is one
        .order_by("status")  # "active" sorts before "paused"
    )
    logged_today = list(
        patient.session_logs.filter(performed_on=today)
        .order_by("logged_at")
        .prefetch_related(Prefetch("exercises", ExerciseLog.objects.select_related("item__exercise")))
    )
    hold = holding.order_by("severity", "-created_at").first() if not programs or programs[0].on_hold else None
    if hold is not None:
        return TodayPlan(today, "on_hold", programs[0] if programs else None, logged_today=logged_today, hold=hold)
    if not programs:
        return TodayPlan(today, "no_program", logged_today=logged_today)
    program = programs[0]
    if program.status == Program.Status.PAUSED:
        return TodayPlan(today, "paused", program, logged_today=logged_today)
    phase = program.current_phase
    if phase is None or phase.start_date > today:
        return TodayPlan(today, "not_started", program, logged_today=logged_today)
    items = current_items(program)
    monday = today - timedelta(days=today.weekday())
    done = dict(
        ExerciseLog.objects.filter(
            session__patient=patient,
            session__performed_on__gte=monday,
            item__in=[i.pk for i in items],
            stopped_for_pain=False,  # stopped part-way: still due
        )
        .values("item")
        .annotate(days=Count("session__performed_on", distinct=True))
        .values_list("item", "days")
    )
    due = [item for item in items if item.days_per_week >= 7 or done.get(item.pk, 0) < item.days_per_week]
    return TodayPlan(today, "due" if due else "nothing_due", program, due, done, logged_today)


# --- Progress -----------------------------------------------------------------------------------------


@dataclass
class Week:
    monday: date
    days: list[tuple[date, str]]  # (day, "done" | "missed" | "rest" | "future")
    done: int
    prescribed: int


@dataclass
class Progress:
    pain: LineChart
    odi: LineChart
    psfs: LineChart
    weeks: list[Week]
    recent: list[SessionLog]
    alerts: list[Alert]
    psfs_activities: list[dict] = field(default_factory=list)  # from the latest PSFS check-in
    weekdays: list[str] = field(default_factory=lambda: WEEKDAYS)


def progress(patient: Patient, *, with_alerts: bool = False) -> Progress:
    today = patient.local_today()
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=PROGRESS_WEEKS - 1)
    pain_rows = (
        patient.session_logs.filter(performed_on__gte=start)
        .values("performed_on")
        .annotate(before=Avg("pain_before"), after=Avg("pain_after"))
        .order_by("performed_on")
    )
    pain = line_chart(
        _("Pain before and after exercise, last %(weeks)d weeks (0 = none, 10 = worst)") % {"weeks": PROGRESS_WEEKS},
        "pain",
        [
            Series(_("Before"), "series-a", [(r["performed_on"], round(float(r["before"]), 1)) for r in pain_rows]),
            Series(_("After"), "series-b", [(r["performed_on"], round(float(r["after"]), 1)) for r in pain_rows]),
        ],
        y_min=0,
        y_max=10,
        y_step=2,
    )
    odi, psfs = _score_charts(patient)
    # The latest sessions first, then their counts: counting every session's exercises before the LIMIT costs a
    # year-long history a join over all of it.
    latest = patient.session_logs.order_by("-performed_on", "-logged_at").values("pk")[:RECENT_SESSIONS]
    recent = list(
        SessionLog.objects.filter(pk__in=latest)
        .select_related("program")
        .annotate(
            exercise_count=Count("exercises"),
            stopped_count=Count("exercises", filter=Q(exercises__stopped_for_pain=True)),
        )
        .order_by("-performed_on", "-logged_at")[:RECENT_SESSIONS]
    )
    alerts = list(patient.alerts.open()[:OPEN_ALERTS]) if with_alerts else []
    latest_psfs = (
        patient.check_ins.filter(questionnaire=Questionnaire.PSFS)
        .order_by("-submitted_at")
        .values_list("answers", flat=True)
        .first()
    )
    activities = (latest_psfs or {}).get("activities", [])
    logged = {row["performed_on"] for row in pain_rows if row["performed_on"] <= today}
    return Progress(pain, odi, psfs, _adherence(patient, start, today, logged), recent, alerts, activities)


def _score_charts(patient: Patient) -> tuple[LineChart, LineChart]:
    since = timezone.now() - timedelta(days=SCORES_DAYS)
    rows = (
        CheckIn.objects.filter(
            patient=patient, questionnaire__in=[Questionnaire.ODI, Questionnaire.PSFS], submitted_at__gte=since
        )
        .order_by("submitted_at")
        .values_list("questionnaire", "submitted_at", "score")
    )
    zone = zoneinfo.ZoneInfo(patient.timezone)
    points: dict[str, list[tuple[date, float]]] = {Questionnaire.ODI: [], Questionnaire.PSFS: []}
    for questionnaire, submitted_at, score in rows:
        points[questionnaire].append((submitted_at.astimezone(zone).date(), float(score)))
    odi = line_chart(
        _("Oswestry disability score over the last year (lower is better)"),
        "%",
        [Series("Oswestry %", "series-a", points[Questionnaire.ODI])],
        y_min=0,
        y_max=100,
        y_step=20,
    )
    psfs = line_chart(
        _("Activities score (PSFS) over the last year (higher is better)"),
        "score",
        [Series("PSFS", "series-a", points[Questionnaire.PSFS])],
        y_min=0,
        y_max=10,
        y_step=2,
    )
    return odi, psfs


def _adherence(patient: Patient, start: date, today: date, logged: set[date]) -> list[Week]:
    """Days with a session (`logged`, from `start` to `today`) against the days prescribed, week by week, newest
    week first.

    A day is prescribed at the rate of the phase covering it (the most frequent item's days a week):
    a phase of three days a week prescribes 3/7 of each of its days, rounded per week.
    """
    phases = list(
        ProgramPhase.objects.filter(
            program__patient=patient,
            program__status__in=[Program.Status.ACTIVE, Program.Status.COMPLETED],
            end_date__gte=start,
            start_date__lte=today,
        )
        .annotate(days=Max("items__days_per_week", filter=Q(items__removed_at__isnull=True)))
        .values_list("start_date", "end_date", "days")
    )

    def rate(day: date) -> int:
        return max((days or 0 for first, last, days in phases if first <= day <= last), default=0)

    weeks = []
    for index in range(PROGRESS_WEEKS):
        monday = start + timedelta(weeks=index)
        days, share = [], 0.0
        for offset in range(7):
            day = monday + timedelta(days=offset)
            per_week = rate(day)
            if day > today:
                status = "future"
            elif day in logged:
                status = "done"
            else:
                status = "missed" if per_week >= 7 else "rest"
            if day <= today:
                share += per_week / 7
            days.append((day, status))
        done = sum(1 for _, status in days if status == "done")
        weeks.append(Week(monday, days, done, round(share)))
    while len(weeks) > 1 and not weeks[0].done and not weeks[0].prescribed:
        weeks.pop(0)  # nothing to show before the programme started
    return list(reversed(weeks))


# --- Export -------------------------------------------------------------------------------------------


def export_data(patient: Patient) -> dict:
    """Everything we hold about the patient, as plain data (the same for the CSV and the JSON file)."""
    user = patient.user
    programs = patient.programs.select_related("physio").prefetch_related(
        "phases", Prefetch("items", ProgramItem.objects.select_related("exercise", "phase"))
    )
    sessions = patient.session_logs.order_by("performed_on", "logged_at").prefetch_related(
        Prefetch("exercises", ExerciseLog.objects.select_related("item__exercise"))
    )
    return {
        "profile": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_of_birth": patient.date_of_birth.isoformat() if patient.date_of_birth else "",
            "phone": patient.phone,
            "clinic": patient.clinic.name,
            "timezone": patient.timezone,
            "reminder_time": patient.reminder_time.strftime("%H:%M"),
            "quiet_hours_start": patient.quiet_hours_start.strftime("%H:%M"),
            "quiet_hours_end": patient.quiet_hours_end.strftime("%H:%M"),
            "created_at": patient.created_at.isoformat(),
        },
        "programs": [
            {
                "title": program.title,
                "status": program.status,
                "start_date": program.start_date.isoformat(),
                "goals": program.goals,
                "physiotherapist": program.physio.get_full_name(),
                "phases": [
                    {"title": p.title, "start_date": p.start_date.isoformat(), "end_date": p.end_date.isoformat()}
                    for p in program.phases.all()
                ],
                "items": [
                    {
                        "exercise": item.exercise.name,
                        "phase": item.phase.title,
                        "dosage": item.dosage_in_words,
                        **item.dosage_dict(),
                        "note": item.note,
                        "removed_at": item.removed_at.isoformat() if item.removed_at else "",
                    }
                    for item in program.items.all()
                ],
            }
            for program in programs
        ],
        "sessions": [
            {
                "performed_on": s.performed_on.isoformat(),
                "logged_at": s.logged_at.isoformat(),
                "pain_before": s.pain_before,
                "pain_after": s.pain_after,
                "difficulty": s.difficulty,
                "note": s.note,
                "red_flags": s.red_flags,
                "exercises": [
                    {
                        "exercise": log.item.exercise.name,
                        "sets_done": log.sets_done,
                        "reps_done": log.reps_done,
                        "minutes_done": log.minutes_done,
                        "side": log.side,
                        "pain": log.pain,
                        "difficulty": log.difficulty,
                        "stopped_for_pain": log.stopped_for_pain,
                        "prescribed": log.prescribed,
                    }
                    for log in s.exercises.all()
                ],
            }
            for s in sessions
        ],
        "check_ins": [
            {
                "questionnaire": c.questionnaire,
                "submitted_at": c.submitted_at.isoformat(),
                "score": str(c.score),
                "band": c.band,
                "answers": c.answers,
                "red_flags": c.red_flags,
            }
            for c in patient.check_ins.order_by("submitted_at")
        ],
    }


# --- Outcomes, as the physio reads them ---------------------------------------------------------------------


@dataclass
class OutcomeRow:
    day: date
    score: str
    band: str  # the published band or risk group, for clinicians
    detail: str


@dataclass
class Outcome:
    label: str
    rows: list[OutcomeRow]
    schedule: CheckInSchedule | None


def _detail(questionnaire: str, answers: dict) -> str:
    """What the score leaves out; empty for answers not in the shape the forms save."""
    if questionnaire == Questionnaire.STARTBACK and {"agree", "bothersomeness"} <= set(answers):
        subscale = scoring.startback_subscale(answers["agree"], answers["bothersomeness"])
        return f"distress subscale {subscale}/5"
    if questionnaire == Questionnaire.PSFS:
        return "; ".join(f"{activity['name']}: {activity['score']}/10" for activity in answers.get("activities", []))
    if questionnaire == Questionnaire.GROC and "rating" in answers:
        return scoring.GROC_LABELS[int(answers["rating"])]
    return ""


def outcomes(patient: Patient, *, limit: int = 12) -> list[Outcome]:
    """Every questionnaire over time, newest first (the last `limit` of each), with its schedule: two queries."""
    zone = zoneinfo.ZoneInfo(patient.timezone)
    rows: dict[str, list[OutcomeRow]] = {q: [] for q in Questionnaire.values}
    for questionnaire, submitted_at, score, band, answers in patient.check_ins.order_by("-submitted_at").values_list(
        "questionnaire", "submitted_at", "score", "band", "answers"
    )[: limit * len(Questionnaire.values) * 2]:
        if len(rows[questionnaire]) < limit:
            value = f"{float(score):+g}" if questionnaire == Questionnaire.GROC else f"{float(score):g}"
            day = submitted_at.astimezone(zone).date()
            rows[questionnaire].append(OutcomeRow(day, value, band, _detail(questionnaire, answers)))
    schedules = {schedule.questionnaire: schedule for schedule in patient.check_in_schedules.all()}
    return [Outcome(STAFF_LABELS[value], rows[value], schedules.get(value)) for value in Questionnaire.values]


def check_in_initial(patient: Patient, questionnaire: str) -> dict:
    """PSFS offers the patient's activities from their last PSFS again, so the trend compares the same ones."""
    if questionnaire != Questionnaire.PSFS:
        return {}
    last = patient.check_ins.filter(questionnaire=questionnaire).values_list("answers", flat=True).first()
    activities = (last or {}).get("activities", [])
    return {f"activity_{i}": activity["name"] for i, activity in enumerate(activities[:5], start=1)}


# --- The patient's page in the admin: the hub a physio works from ---------------------------------------------


@dataclass
class PatientPage:
    program: Program | None  # the active programme, else the latest
    templates: list
    emails: list
    views: list


def patient_page(patient: Patient, *, rows: int = 10) -> PatientPage:
    """What the hub shows beyond the progress: the programme, templates to assign, emails sent, who looked."""
    program = (
        Program.objects.filter(patient=patient)
        .select_related("current_phase", "physio")
        .order_by(_active_first(), "-created_at")
        .first()
    )
    emails = list(
        OutboundEmail.objects.filter(recipient__iexact=patient.user.email)
        .only("kind", "status", "created_at", "sent_at", "cancel_reason")
        .order_by("-created_at")[:rows]
    )
    views = list(
        AuditEvent.objects.filter(model=Patient._meta.label, object_id=str(patient.pk))
        .select_related("actor")
        .order_by("-at")[:rows]
    )
    return PatientPage(program, list(ProgramTemplate.objects.only("name")), emails, views)


def _active_first():
    return Case(When(status=Program.Status.ACTIVE, then=Value(0)), default=Value(1))
