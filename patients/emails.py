"""The patients app's email kinds, and the functions that queue them from the patients' use cases.

Each kind loads what it shows from the ids in its context when it is sent, and raises Cancel when the
email no longer makes sense (archived patient, session already logged, ...). Subjects never carry
health detail; scores and pain appear only in bodies. A patient's email is in their language (`LANGUAGE`);
the physios' are in English.
"""

import datetime
from statistics import mean

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from patients import triage
from patients.models import Alert, SessionLog
from patients.questionnaires import Questionnaire
from portal import roles
from portal.accounts import INVITATION
from portal.models import Patient
from portal.outbox import Cancel, queue_email, register_kind
from portal.outbox.rendering import LANGUAGE, PREVIEW
from programs.models import Program

PATIENT_HOME = "/my/"
REMINDER = "reminder"
CHECK_IN_DUE = "check_in_due"
WEEKLY_SUMMARY = "weekly_summary"
ALERT = "alert"
PHYSIO_DIGEST = "physio_digest"
DIGEST_LIMIT = 50
EMAILED_SEVERITIES = (Alert.Severity.CRITICAL, Alert.Severity.URGENT)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def welcome_url(user) -> str:
    """The one-time link to set a first password: single use (bound to the password hash), and it
    expires after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return absolute(reverse("patients:welcome", args=[uid, default_token_generator.make_token(user)]))


def _patient(context: dict, *, routine: bool = False) -> Patient:
    """The patient the email is for. `routine`: an email about their routine, which stops while a red flag
    keeps the routine on hold."""
    patient = Patient.objects.select_related("user", "clinic").filter(pk=context["patient_id"]).first()
    if patient is None:
        raise Cancel("the patient no longer exists")
    if patient.archived_at is not None or not patient.user.is_active:
        raise Cancel("the patient is archived")
    if routine and Alert.objects.holding().filter(patient=patient).exists():
        raise Cancel("the routine is on hold after a red flag")
    return patient


def _active_program(patient: Patient) -> Program | None:
    return Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).first()


# --- Invitation ----------------------------------------------------------------------------------


def queue_invitation(*, patient: Patient, suffix: str = ""):
    """Queue the invitation; `suffix` makes a re-send a new email (a new idempotency key)."""
    key = f"{INVITATION}:{patient.pk}" + (f":{suffix}" if suffix else "")
    return queue_email(
        kind=INVITATION, to=patient.user.email, key=key, context={"patient_id": patient.pk}, clinic=patient.clinic
    )


@register_kind(INVITATION, group="account")
def invitation(context: dict) -> dict:
    """The link to set a password. It mentions the programme when one is assigned by the time it goes out
    (then the separate `program_assigned` email is skipped, see programs/emails.py)."""
    patient = _patient(context)
    if patient.user.has_usable_password():
        raise Cancel("the patient has already set a password")
    program = _active_program(patient)
    return {
        "first_name": patient.user.first_name,
        "physio_name": patient.primary_physio.get_full_name() if patient.primary_physio_id else "",
        # The outbox admin's preview must not hand a working login link to the staff member viewing it.
        "welcome_url": "(a one-time link, made when the email is sent)"
        if context.get(PREVIEW)
        else welcome_url(patient.user),
        "has_program": program is not None,
        "expires_days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
        LANGUAGE: patient.language,
    }


# --- Reminders and check-ins ---------------------------------------------------------------------


@register_kind(REMINDER, group="reminders")
def reminder(context: dict) -> dict:
    """Today's session is not logged yet. Context: {"patient_id", "day": local date ISO}."""
    patient = _patient(context, routine=True)
    day = datetime.date.fromisoformat(context["day"])
    program = _active_program(patient)
    if program is None:
        raise Cancel("the programme is paused or finished")
    if SessionLog.objects.filter(patient=patient, performed_on__gte=day).exists():
        raise Cancel("the patient has logged a session since")
    if patient.local_today() != day:
        raise Cancel("the day of the reminder is over")
    return {
        "first_name": patient.user.first_name,
        "today_url": absolute(PATIENT_HOME),
        "program_title": program.title,
        LANGUAGE: patient.language,
    }


@register_kind(CHECK_IN_DUE, group="check_ins")
def check_in_due(context: dict) -> dict:
    """One or more questionnaires are due. Context: {"patient_id", "due_on"}."""
    patient = _patient(context, routine=True)
    due = list(patient.check_in_schedules.due(patient.local_today()))
    if not due:
        raise Cancel("the check-ins were answered already")
    return {
        "first_name": patient.user.first_name,
        # Lazy labels: put into words in the patient's language when the email is rendered.
        "questionnaires": [Questionnaire(schedule.questionnaire).label for schedule in due],
        "check_in_url": absolute(reverse("patients:check_in_list")),
        LANGUAGE: patient.language,
    }


@register_kind(WEEKLY_SUMMARY, group="progress")
def weekly_summary(context: dict) -> dict:
    """The patient's week. Context: {"patient_id", "week_ending": local date ISO}. Pain only in the body."""
    patient = _patient(context, routine=True)
    end = datetime.date.fromisoformat(context["week_ending"])
    start = end - datetime.timedelta(days=6)
    sessions = list(
        SessionLog.objects.filter(patient=patient, performed_on__range=(start, end)).values_list(
            "pain_before", "pain_after"
        )
    )
    return {
        "first_name": patient.user.first_name,
        "week_start": start,
        "week_end": end,
        "sessions": len(sessions),
        "days_active": SessionLog.objects.filter(patient=patient, performed_on__range=(start, end))
        .values("performed_on")
        .distinct()
        .count(),
        "pain_before": round(mean(before for before, _after in sessions), 1) if sessions else None,
        "pain_after": round(mean(after for _before, after in sessions), 1) if sessions else None,
        "progress_url": absolute(PATIENT_HOME),
        LANGUAGE: patient.language,
    }


# --- Physios -------------------------------------------------------------------------------------


def is_emailed(alert: Alert) -> bool:
    return alert.kind == Alert.Kind.RED_FLAG or alert.severity in EMAILED_SEVERITIES


def clinicians(clinic_id: int):
    """Every active clinician of the clinic: its physiotherapists and clinic admins."""
    return (
        get_user_model()
        .objects.filter(clinic_id=clinic_id, is_active=True, is_staff=True, groups__name__in=roles.CLINICAL_ROLES)
        .distinct()
    )


def alert_recipients(alert: Alert) -> list[tuple[str, str]]:
    """(who, address): the primary physio if their account is active, and the clinic's alert inbox."""
    patient, recipients = alert.patient, []
    if patient.primary_physio.is_active:
        recipients.append(("physio", patient.primary_physio.email))
    if patient.clinic.alert_inbox:
        recipients.append(("inbox", patient.clinic.alert_inbox))
    return recipients


def _queue_alert(alert: Alert, to: str, key: str, escalation: bool = False):
    context = {"alert_id": alert.pk, "escalation": escalation}
    return queue_email(kind=ALERT, to=to, key=key, context=context, urgent=True, clinic=alert.patient.clinic)


def queue_alert_emails(*, alert: Alert, reason: str) -> int:
    """Email an alert at once, whatever the recipients' opt-outs; `reason` names the event (a new report
    of flags, a raised alert) so each event emails once. With nobody to receive it (the physio's account is
    closed and the clinic has no inbox), the alert escalates now instead of waiting."""
    if not is_emailed(alert):
        return 0
    recipients = alert_recipients(alert)
    if not recipients:
        return queue_escalation_emails(alert=alert, now=True)
    for who, address in recipients:
        _queue_alert(alert, address, f"{ALERT}:{alert.pk}:{reason}:{who}")
    return len(recipients)


def queue_escalation_emails(*, alert: Alert, now: bool = False) -> int:
    """Every clinician of the clinic, and the inbox, hears about the alert: once each per level."""
    if now and alert.escalated_at is None:
        Alert.objects.filter(pk=alert.pk).update(escalated_at=timezone.now())
    recipients = {email: f"user{pk}" for pk, email in clinicians(alert.patient.clinic_id).values_list("pk", "email")}
    for who, address in alert_recipients(alert):
        recipients.setdefault(address, who)
    for address, who in sorted(recipients.items()):
        _queue_alert(alert, address, f"{ALERT}:{alert.pk}:escalation:{alert.level or alert.severity}:{who}", True)
    return len(recipients)


def admin_url(name: str, *args) -> str:
    return absolute(reverse(f"admin:{name}", args=args))


@register_kind(ALERT, urgent=True, group="alerts")
def alert(context: dict) -> dict:
    found = Alert.objects.select_related("patient__user", "patient__clinic").filter(pk=context["alert_id"]).first()
    if found is None:
        raise Cancel("the alert no longer exists")
    if context.get("escalation") and found.acknowledged_at is not None:
        raise Cancel("acknowledged before the escalation went out")
    # Otherwise even a resolved alert is still sent: an urgent email is never dropped silently.
    patient = found.patient
    return {
        "alert": found,
        "escalation": bool(context.get("escalation")),
        "minutes": patient.clinic.escalate_after_minutes,
        "patient_name": str(patient),
        "patient_phone": patient.phone,
        "groups": triage.grouped(found.flags),
        "advice": triage.advice(found.level, patient.clinic.emergency) if found.level else None,
        "alert_url": admin_url("patients_alert_change", found.pk),
        "alerts_url": admin_url("patients_alert_changelist"),
    }


@register_kind(PHYSIO_DIGEST, group="digest")
def physio_digest(context: dict) -> dict:
    """Open alerts of the physio's patients. Context: {"physio_id", "day"}."""
    physio = get_user_model().objects.filter(pk=context["physio_id"], is_active=True).first()
    if physio is None:
        raise Cancel("the physiotherapist's account is closed")
    alerts = list(
        Alert.objects.open()
        .filter(patient__primary_physio=physio, patient__archived_at__isnull=True)
        .select_related("patient__user")
        .order_by("severity", "-created_at")[:DIGEST_LIMIT]
    )
    if not alerts:
        raise Cancel("no open alerts any more")
    return {
        "first_name": physio.first_name,
        "alerts": alerts,
        "count": len(alerts),
        "alerts_url": admin_url("patients_alert_changelist"),
    }
