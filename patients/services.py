import uuid
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients import emails, scoring
from patients.models import Alert, CheckIn, CheckInSchedule, Patient
from patients.questionnaires import RED_FLAG_KEYS, RED_FLAGS, Questionnaire


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
) -> Patient:
    """Create a patient and their login. The login has no usable password until they accept the invitation."""
    if primary_physio.clinic_id != clinic.pk:
        raise ValidationError({"primary_physio": "The primary physiotherapist must work at the patient's clinic."})
    user = get_user_model()(email=email.lower(), first_name=first_name, last_name=last_name)
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
    patient = Patient.objects.active().filter(user__email__iexact=email.strip(), user__is_active=True).first()
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

DEFAULT_SCHEDULES = [
    # questionnaire, every N days (0 = once), due at the start?
    (Questionnaire.STARTBACK, 0, True),
    (Questionnaire.ODI, 7, True),
    (Questionnaire.PSFS, 14, True),
    (Questionnaire.GROC, 0, False),  # asked at discharge
]


def schedule_default_check_ins(*, patient: Patient, start: date) -> None:
    for questionnaire, every_days, due_at_start in DEFAULT_SCHEDULES:
        CheckInSchedule.objects.get_or_create(
            patient=patient,
            questionnaire=questionnaire,
            defaults={"every_days": every_days, "next_due_on": start if due_at_start else None},
        )


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
        red_flags=[key for key in red_flags if key in RED_FLAG_KEYS],
        token=token,
    )
    check_in.full_clean(exclude=["token"])
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:  # the same form posted twice at once: the first one won
        return CheckIn.objects.get(patient=patient, token=token)
    _advance_schedule(patient, questionnaire)
    if check_in.red_flags:
        raise_red_flag_alert(patient=patient, source=f"check-in {check_in.pk}", red_flags=check_in.red_flags)
    if previous_odi and check_in.score - previous_odi.score >= ODI_WORSE_POINTS:
        raise_alert(
            patient=patient,
            kind=Alert.Kind.ODI_WORSE,
            severity=Alert.Severity.HIGH,
            key=f"odi_worse:{check_in.pk}",
            message=f"Oswestry score rose from {previous_odi.score} to {check_in.score}.",
        )
    return check_in


ODI_WORSE_POINTS = 10


def _advance_schedule(patient: Patient, questionnaire: str) -> None:
    schedule = CheckInSchedule.objects.select_for_update().filter(patient=patient, questionnaire=questionnaire).first()
    if schedule is None:
        return
    today = timezone.localdate()
    schedule.next_due_on = today + timedelta(days=schedule.every_days) if schedule.every_days else None
    schedule.save(update_fields=["next_due_on"])


def raise_red_flag_alert(*, patient: Patient, source: str, red_flags: list[str]) -> Alert:
    labels = dict(RED_FLAGS)
    described = "; ".join(labels[key] for key in red_flags if key in labels)
    return raise_alert(
        patient=patient,
        kind=Alert.Kind.RED_FLAG,
        severity=Alert.Severity.URGENT,
        key=f"red_flag:{source}",
        message=f"Reported possible cauda equina symptoms: {described}"[:300],
    )


def raise_alert(*, patient: Patient, kind: str, severity: int, key: str, message: str) -> Alert:
    """Open an alert once per key. Urgent and critical alerts are emailed to the physio at once."""
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            key=key, defaults={"patient": patient, "kind": kind, "severity": severity, "message": message}
        )
        if created:
            emails.queue_alert_email(alert=alert)
    return alert


@transaction.atomic
def acknowledge_alerts(*, alerts, by) -> int:
    return alerts.filter(acknowledged_at__isnull=True).update(acknowledged_at=timezone.now(), acknowledged_by=by)


@transaction.atomic
def resolve_alerts(*, alerts, by) -> int:
    now = timezone.now()
    alerts.filter(acknowledged_at__isnull=True).update(acknowledged_at=now, acknowledged_by=by)
    return alerts.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=by)


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
