import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from patients import emails, pathway, scoring, triage
from patients.models import Alert, CheckIn, ExerciseLog, FollowUpRules, RedFlagReport, SessionLog
from patients.questionnaires import Questionnaire
from portal.models import Patient
from portal.security import normalise_email
from programs import services as program_services
from programs.models import Program, ProgramChange, ProgramItem


@transaction.atomic
def create_patient(
    *,
    clinic,
    primary_physio,
    email: str,
    first_name: str,
    last_name: str,
    date_of_birth=None,
    phone: str = "",
    timezone: str = "Europe/London",
    language: str = "",
) -> Patient:
    """Create a patient and their login. The login has no usable password until they accept the invitation, which
    is written in `language` (empty: the site's)."""
    if primary_physio.clinic_id != clinic.pk:
        raise ValidationError({"primary_physio": "The primary physiotherapist must work at the patient's clinic."})
    user = get_user_model()(email=normalise_email(email), first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    patient = Patient(
        user=user,
        clinic=clinic,
        primary_physio=primary_physio,
        date_of_birth=date_of_birth,
        phone=phone,
        timezone=timezone,
        language=language,
    )
    patient.full_clean()
    patient.save()
    emails.queue_invitation(patient=patient)
    return patient


@transaction.atomic
def resend_invitation(*, patient: Patient, by=None) -> bool:
    """Send the invitation again (a new email with a fresh link). False when it makes no sense any more:
    the patient is archived or has set a password already (they can use "Forgot your password?")."""
    if patient.archived_at is not None or patient.user.has_usable_password():
        return False
    emails.queue_invitation(patient=patient, suffix=f"resend:{timezone.now():%Y%m%dT%H%M%S}")
    return True


def request_new_invitation(*, email: str) -> None:
    """Self-service, from an expired invitation link: at most one new invitation a day per patient, and
    nothing at all (and nothing said) for an unknown address."""
    patient = Patient.objects.active().filter(user__email=normalise_email(email), user__is_active=True).first()
    if patient is None or patient.user.has_usable_password():
        return
    emails.queue_invitation(patient=patient, suffix=f"request:{timezone.localdate():%Y-%m-%d}")


@transaction.atomic
def update_patient(*, patient: Patient, first_name: str, last_name: str, **fields) -> Patient:
    user = patient.user
    user.first_name, user.last_name = first_name, last_name
    user.full_clean()
    user.save(update_fields=["first_name", "last_name"])
    for name, value in fields.items():
        setattr(patient, name, value)
    if patient.primary_physio.clinic_id != patient.clinic_id:
        raise ValidationError({"primary_physio": "The primary physiotherapist must work at the patient's clinic."})
    patient.full_clean()
    patient.save()
    return patient


# --- Check-ins and alerts ------------------------------------------------------------------------


def start_check_ins(*, program, **_signal) -> None:
    """Receiver of programs.signals.program_assigned (connected in patients.apps): the clinic's pathway."""
    pathway.start(patient=program.patient, start_date=program.start_date)


def end_check_ins(*, program, **_signal) -> None:
    """Receiver of programs.signals.program_status_changed: a completed programme asks the discharge ones."""
    if program.status == Program.Status.COMPLETED:
        pathway.discharge(patient=program.patient)


def score_answers(questionnaire: str, answers: dict) -> scoring.Score:
    if questionnaire == Questionnaire.ODI:
        return scoring.odi(answers["sections"])
    if questionnaire == Questionnaire.PSFS:
        return scoring.psfs([activity["score"] for activity in answers["activities"]])
    if questionnaire == Questionnaire.STARTBACK:
        return scoring.startback(answers["agree"], answers["bothersomeness"])
    if questionnaire == Questionnaire.GROC:
        return scoring.groc(answers["rating"])
    raise ValueError(f"unknown questionnaire {questionnaire!r}")


@transaction.atomic
def submit_check_in(
    *, patient: Patient, questionnaire: str, answers: dict, red_flags: list[str], token: uuid.UUID
) -> CheckIn:
    """Record a check-in once per form token; escalate red flags and a worsening ODI."""
    existing = CheckIn.objects.filter(patient=patient, token=token).first()
    if existing:
        return existing
    score = score_answers(questionnaire, answers)
    previous_odi = None
    if questionnaire == Questionnaire.ODI:
        previous_odi = patient.check_ins.filter(questionnaire=Questionnaire.ODI).order_by("-submitted_at").first()
    check_in = CheckIn(
        patient=patient,
        questionnaire=questionnaire,
        answers=answers,
        score=score.value,
        band=score.band,
        red_flags=triage.clean(red_flags),
        token=token,
    )
    check_in.full_clean(exclude=["token"])
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:  # the same form posted twice at once: the first one won
        return CheckIn.objects.get(patient=patient, token=token)
    pathway.answered(patient=patient, questionnaire=questionnaire)
    # The view reported these already, before validating the form; the same token makes this a no-op then.
    report_red_flags(patient=patient, flags=check_in.red_flags, token=token, source=f"check-in: {questionnaire}")
    _raise_outcome_alerts(patient, check_in, previous_odi)
    return check_in


def _raise_outcome_alerts(patient: Patient, check_in: CheckIn, previous_odi: CheckIn | None) -> None:
    """What the clinic's rules say a physio must see: a worse Oswestry, STarT Back high risk, a GROC at or
    below the clinic's threshold. At most one alert per check-in."""
    rules, score, kind = FollowUpRules.for_clinic(patient.clinic_id), float(check_in.score), None
    if check_in.questionnaire == Questionnaire.ODI and previous_odi:
        if check_in.score - previous_odi.score >= rules.odi_worse_points:
            kind, message = (
                Alert.Kind.ODI_WORSE,
                f"Oswestry score rose from {float(previous_odi.score):g} to {score:g}.",
            )
    elif check_in.questionnaire == Questionnaire.STARTBACK and check_in.band == "high" and rules.startback_high_alert:
        subscale = scoring.startback_subscale(check_in.answers["agree"], check_in.answers["bothersomeness"])
        kind, message = Alert.Kind.STARTBACK_HIGH, f"STarT Back high risk: total {score:g}/9, distress {subscale}/5."
    elif check_in.questionnaire == Questionnaire.GROC and check_in.score <= rules.groc_worse_at:
        kind, message = Alert.Kind.GROC_WORSE, f"GROC {score:+g}: “{scoring.GROC_LABELS[int(score)]}”."
    if kind:
        key = f"{kind}:{check_in.pk}"
        raise_alert(patient=patient, kind=kind, severity=Alert.Severity.HIGH, key=key, message=message)


def raise_alert(*, patient: Patient, kind: str, severity: int, key: str, message: str) -> Alert:
    """Open an alert once per key. Urgent and critical alerts are emailed at once (see emails.alert_recipients)."""
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            key=key, defaults={"patient": patient, "kind": kind, "severity": severity, "message": message}
        )
        if created:
            emails.queue_alert_emails(alert=alert, reason="raised")
    return alert


# --- Red flags ----------------------------------------------------------------------------------------


def report_red_flags(*, patient: Patient, flags: list[str], token: uuid.UUID, source: str) -> RedFlagReport | None:
    """Save what the patient ticked and alert the clinic, in a transaction of its own.

    Pages call this before they validate anything else on the form, so a red flag is never lost to a
    missing answer. Once per (patient, token): a double submit, a retry or a second call from the form's
    service returns the same report. The report joins the patient's open red-flag alert, if any (two tabs
    make one alert); a new flag or a more serious level emails the clinic again, a repeat does not. An
    emergency or same-day level puts the routine on hold. Returns None when no known flag was ticked.
    """
    flags = triage.clean(flags)
    if not flags:
        return None
    with transaction.atomic():
        # One patient's reports one at a time: the open-alert check below must see the other's alert.
        Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk", flat=True).first()
        existing = RedFlagReport.objects.filter(patient=patient, token=token).select_related("alert").first()
        if existing:
            return existing
        level = triage.level_of(flags)
        alert, news = _red_flag_alert(patient, flags, level, token)
        report = RedFlagReport(patient=patient, flags=flags, level=level, source=source[:40], token=token, alert=alert)
        report.full_clean(exclude=["alert", "patient"])
        report.save()
        if triage.TRIAGE[level].pauses_routine:
            _hold_routine(alert, reason=f"{triage.Level(level).label} red flag reported")
        if news:
            emails.queue_alert_emails(alert=alert, reason=f"report{report.pk}")
    return report


def _red_flag_alert(patient: Patient, flags: list[str], level: str, token: uuid.UUID) -> tuple[Alert, bool]:
    """The patient's open red-flag alert with these flags added, and whether that is news for the clinic."""
    alert = Alert.objects.open().filter(patient=patient, kind=Alert.Kind.RED_FLAG).first()
    if alert is None:
        alert = Alert(patient=patient, kind=Alert.Kind.RED_FLAG, key=f"red_flag:{patient.pk}:{token}", flags=[])
    news = alert.pk is None or any(flag not in alert.flags for flag in flags)
    if triage.more_serious(level, alert.level or None):
        alert.level, alert.severity = level, triage.TRIAGE[level].severity
        # A more serious level is a new alert for the clinic: acknowledged again, escalated again.
        alert.acknowledged_at = alert.acknowledged_by = alert.escalated_at = alert.escalate_at = None
        if triage.TRIAGE[level].escalates:
            minutes = patient.clinic.escalate_after_minutes
            alert.escalate_at = timezone.now() + timedelta(minutes=minutes)
        news = True
    alert.flags = triage.clean([*alert.flags, *flags])
    alert.message = triage.describe(alert.flags)
    alert.save()
    return alert, news


def _hold_routine(alert: Alert, *, reason: str) -> None:
    """Pause the patient's active programme and stop their follow-up emails until a clinician resumes it."""
    if alert.holds_routine and alert.hold_lifted_at is None:
        return
    program = Program.objects.filter(patient_id=alert.patient_id, status=Program.Status.ACTIVE).first()
    if program is not None:
        program_services.pause_program(program=program, actor=None, reason=reason)
    alert.holds_routine = True
    alert.paused_program = program or alert.paused_program
    alert.hold_lifted_at = alert.hold_lifted_by = None
    alert.hold_note = ""
    alert.save()


@transaction.atomic
def resume_routine(*, patient: Patient, by, note: str) -> Program | None:
    """A clinician lifts the hold after speaking to the patient: the note says what was decided.

    Every hold of the patient is lifted and the programme paused by a red flag becomes active again (unless
    another programme is active by now). Returns the resumed programme, if any.
    """
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Say what was decided before resuming the routine."})
    holding = list(Alert.objects.holding().filter(patient=patient).select_for_update())
    if not holding:
        raise ValidationError("This patient's routine is not on hold.")
    now = timezone.now()
    for alert in holding:
        alert.hold_lifted_at, alert.hold_lifted_by, alert.hold_note = now, by, note
        alert.save(update_fields=["hold_lifted_at", "hold_lifted_by", "hold_note"])
    paused = [
        a.paused_program for a in holding if a.paused_program and a.paused_program.status == Program.Status.PAUSED
    ]
    if not paused or Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).exists():
        return None
    return program_services.resume_program(program=paused[0], actor=by, reason=note)


def escalate_due_alerts(*, now: datetime | None = None) -> int:
    """Beat, every minute: emergency and same-day alerts nobody acknowledged in the clinic's time go to every
    clinician of the clinic. Each alert is claimed with a conditional UPDATE, so a second sweeper or a re-run
    escalates it once. Returns how many were escalated."""
    now = now or timezone.now()
    due = Alert.objects.filter(
        escalate_at__lte=now, escalated_at__isnull=True, acknowledged_at__isnull=True, resolved_at__isnull=True
    )
    escalated = 0
    for pk in list(due.order_by("escalate_at").values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            claimed = Alert.objects.filter(pk=pk, escalated_at__isnull=True, acknowledged_at__isnull=True).update(
                escalated_at=now
            )
            if claimed:
                emails.queue_escalation_emails(alert=Alert.objects.select_related("patient__clinic").get(pk=pk))
                escalated += 1
    return escalated


@transaction.atomic
def acknowledge_alerts(*, alerts, by, note: str = "") -> int:
    """ "I have seen this and I am acting on it": stops the escalation."""
    return alerts.filter(acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=by, acknowledged_note=note.strip()
    )


@transaction.atomic
def resolve_alerts(*, alerts, by, note: str) -> int:
    """Close alerts with their outcome. A red flag's routine stays on hold until resumed on its own."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Write the outcome: what happened and what was decided."})
    now = timezone.now()
    alerts.filter(acknowledged_at__isnull=True).update(acknowledged_at=now, acknowledged_by=by)
    return alerts.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=by, resolved_note=note)


@transaction.atomic
def update_settings(*, patient: Patient, **fields) -> Patient:
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save(update_fields=list(fields))
    return patient


@transaction.atomic
def rotate_calendar_token(*, patient: Patient) -> Patient:
    """A new secret for the calendar feed; the old link stops working at once."""
    patient.calendar_token = uuid.uuid4()
    patient.save(update_fields=["calendar_token"])
    return patient


@transaction.atomic
def archive_patients(*, patients, by) -> int:
    """Clinical records are never deleted: archiving closes the login and stops every follow-up."""
    now = timezone.now()
    archived = 0
    for patient in patients.filter(archived_at__isnull=True).select_related("user"):
        patient.archived_at = now
        patient.save(update_fields=["archived_at"])
        patient.user.is_active = False
        patient.user.save(update_fields=["is_active"])
        archived += 1
    return archived


# --- Sessions --------------------------------------------------------------------------------------


@transaction.atomic
def log_session(
    *,
    patient: Patient,
    program: Program,
    performed_on: date,
    pain_before: int,
    pain_after: int,
    difficulty: str,
    note: str,
    red_flags: list[str],
    exercises: list[dict],
    token: uuid.UUID,
) -> SessionLog:
    """Record a home session once per form token; escalate red flags and high or rising pain.

    `exercises` are dicts with `item` (a ProgramItem of `program`), `sets_done`, `reps_done` and `side`, and
    optionally `minutes_done` (a timed exercise), `pain`, `difficulty` and `stopped_for_pain`.
    Each exercise log keeps a copy of the item's dosage as prescribed at this moment.
    """
    existing = SessionLog.objects.filter(patient=patient, token=token).first()
    if existing:
        return existing
    if program.patient_id != patient.pk:
        raise ValidationError("This program belongs to someone else.")
    try:
        SessionLog.check_day(performed_on, patient.local_today(), program_start=program.start_date)
    except ValidationError as error:
        raise ValidationError({"performed_on": error.messages}) from error
    session = SessionLog(
        patient=patient,
        program=program,
        phase_id=program.current_phase_id,
        performed_on=performed_on,
        pain_before=pain_before,
        pain_after=pain_after,
        difficulty=difficulty,
        note=note,
        red_flags=triage.clean(red_flags),
        token=token,
    )
    # Not the related rows: they were read for this request, and the database checks them again on insert.
    session.full_clean(exclude=["token", "patient", "program", "phase"])
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:  # the same form posted twice at once: the first one won
        return SessionLog.objects.get(patient=patient, token=token)
    logs = []
    for exercise in exercises:
        item = exercise["item"]
        if item.program_id != program.pk:
            raise ValidationError("That exercise is not part of this program.")
        log = ExerciseLog(
            session=session,
            item=item,
            sets_done=exercise["sets_done"],
            reps_done=exercise["reps_done"],
            minutes_done=exercise.get("minutes_done"),
            side=exercise["side"],
            pain=exercise.get("pain"),
            difficulty=exercise.get("difficulty") or "",
            stopped_for_pain=exercise.get("stopped_for_pain", False),
            prescribed=item.prescribed_dosage(),
        )
        log.full_clean(exclude=["session", "item"], validate_constraints=False)  # the item: read and checked above
        logs.append(log)
    ExerciseLog.objects.bulk_create(logs)
    report_red_flags(patient=patient, flags=session.red_flags, token=token, source="session")
    _raise_pain_alerts(patient, session)
    return session


BASELINE_SESSIONS = 3


def pain_baseline(patient: Patient) -> tuple[Decimal | None, set[int]]:
    """The mean pain before exercise over the patient's first three sessions (None until there are three),
    and those sessions' ids."""
    first = list(
        patient.session_logs.order_by("performed_on", "logged_at", "pk").values_list("pk", "pain_before")[
            :BASELINE_SESSIONS
        ]
    )
    if len(first) < BASELINE_SESSIONS:
        return None, {pk for pk, _ in first}
    return Decimal(sum(pain for _, pain in first)) / len(first), {pk for pk, _ in first}


def _raise_pain_alerts(patient: Patient, session: SessionLog) -> None:
    """Pain (the worse of before and after) at or over the clinic's critical level is critical; otherwise a
    rise of `pain_rise_points` over the baseline is high.

    One alert of each kind per patient and day, however many sessions they log that day. A rise is only
    judged for sessions after the three that make the baseline.
    """
    rules = FollowUpRules.for_clinic(patient.clinic_id)
    worst = max(session.pain_before, session.pain_after)
    day = f"{patient.pk}:{session.performed_on.isoformat()}"
    if worst >= rules.pain_critical_at:
        raise_alert(
            patient=patient,
            kind=Alert.Kind.PAIN_HIGH,
            severity=Alert.Severity.URGENT,
            key=f"pain_high:{day}",
            message=f"Pain {worst}/10 in the session of {session.performed_on:%d %b %Y}.",
        )
        return
    baseline, baseline_sessions = pain_baseline(patient)
    if baseline is None or session.pk in baseline_sessions:
        return
    if worst >= baseline + rules.pain_rise_points:
        raise_alert(
            patient=patient,
            kind=Alert.Kind.PAIN_RISE,
            severity=Alert.Severity.HIGH,
            key=f"pain_rise:{day}",
            message=f"Pain {worst}/10 on {session.performed_on:%d %b %Y}, baseline {baseline:.1f}.",
        )


def rest_allowance(days_per_week: int) -> timedelta:
    """The rest days a phase of N days a week leaves between sessions: ceil(7 / N) − 1 (3 a week: 2 days)."""
    return timedelta(days=-(-7 // max(days_per_week, 1)) - 1)


def check_inactivity(*, now: datetime | None = None) -> int:
    """Open a low alert after the clinic's `no_session_low_hours` without a session and a high one after
    `no_session_high_days`, for unarchived patients with an active program.

    The clock starts at the latest of the last session, the programme's start (midnight of its start date
    where the patient lives) and its last resumption, so nothing is raised before a programme begins or for
    the weeks it was paused. The current phase's rest days
    (`rest_allowance`) are added to both thresholds, so a programme of three days a week raises nothing on its
    rest days. Boundaries are exact: quiet for exactly the threshold raises the alert.

    One query reads every candidate with its last session, start and days a week (aggregates and subqueries,
    none per patient); alerts are inserted in batches and keyed on the patient and the start of the quiet
    spell, so re-running raises nothing new until the patient logs again and goes quiet again. Returns how
    many alerts were due (already open ones included).
    """
    now = now or timezone.now()
    rules = {r.clinic_id: r for r in FollowUpRules.objects.all()}
    default = FollowUpRules()
    loosest = min([default.no_session_low_hours, *(r.no_session_low_hours for r in rules.values())])
    active = Program.objects.filter(patient=OuterRef("pk"), status=Program.Status.ACTIVE)
    days = ProgramItem.objects.filter(
        program__patient=OuterRef("pk"),
        program__status=Program.Status.ACTIVE,
        phase_id=F("program__current_phase_id"),
        removed_at__isnull=True,
    ).order_by("-days_per_week")
    resumed = ProgramChange.objects.filter(
        program__patient=OuterRef("pk"), program__status=Program.Status.ACTIVE, action=ProgramChange.Action.RESUMED
    ).order_by("-at")
    candidates = (
        Patient.objects.active()
        .filter(Exists(active))
        .annotate(
            last_logged=Max("session_logs__logged_at"),
            start=Subquery(active.values("start_date")[:1]),
            days=Subquery(days.values("days_per_week")[:1]),
            resumed=Subquery(resumed.values("at")[:1]),
        )
        .filter(
            Q(last_logged__lte=now - timedelta(hours=loosest))
            | Q(last_logged__isnull=True, start__lte=now.date() + timedelta(days=1))
        )
        .values_list("pk", "clinic_id", "timezone", "last_logged", "start", "days", "resumed")
    )
    alerts = []
    for pk, clinic_id, tz, last_logged, start, per_week, resumed_at in candidates.iterator(chunk_size=2000):
        rule = rules.get(clinic_id, default)
        started = datetime.combine(start, time.min, tzinfo=zoneinfo.ZoneInfo(tz))
        if started > now:
            continue  # the programme has not begun where the patient lives
        since = max(moment for moment in (last_logged, started, resumed_at) if moment)
        quiet, rest = now - since, rest_allowance(per_week or 7)
        marker = f"{pk}:{since.isoformat()}"
        if quiet >= timedelta(days=rule.no_session_high_days) + rest:
            severity, key = Alert.Severity.HIGH, f"no_session_high:{marker}"
        elif quiet >= timedelta(hours=rule.no_session_low_hours) + rest:
            severity, key = Alert.Severity.LOW, f"no_session_low:{marker}"
        else:
            continue
        what = f"last session {timezone.localtime(last_logged):%d %b %Y}" if last_logged else "never logged"
        message = f"No session for {quiet.days} day(s) ({what})."
        alerts.append(Alert(patient_id=pk, kind=Alert.Kind.NO_SESSION, severity=severity, key=key, message=message))
    Alert.objects.bulk_create(alerts, batch_size=2000, ignore_conflicts=True)
    return len(alerts)
