"""Who is due which follow-up email, now. Each fan-out walks patients in keyset batches (never all in memory)
and queues one batch of outbox rows per batch, handed to the broker as one task per OUTBOX_SEND_BATCH_SIZE
emails (see portal.outbox.queue_emails_in_bulk). Idempotency keys make every fan-out safe to re-run: at most one
reminder per patient per local day, one check-in email per due date, one summary per week, one digest per day.

Every function takes `now` so tests control the clock.
"""

import datetime
import zoneinfo
from collections.abc import Iterator
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from patients import emails
from patients.models import Alert, CheckInSchedule, FollowUpRules, SessionLog
from portal.models import Clinic, Patient
from portal.outbox import BulkEmail, queue_emails_in_bulk
from portal.outbox.models import EmailOptOut
from programs.models import Program

BATCH_SIZE = 2000
# Check-in and summary emails go out in the patient's morning (outside their quiet hours).
MORNING = datetime.time(9, 0)


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def in_quiet_hours(moment: datetime.time, start: datetime.time, end: datetime.time) -> bool:
    """Quiet hours from `start` to `end`; a range like 21:00–08:00 wraps past midnight. start == end: none."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def batches(queryset: QuerySet, fields: list[str], size: int | None = None) -> Iterator[list[tuple]]:
    """Rows of (pk, *fields), walked by primary key so memory stays flat and each query is an index range."""
    size, last = size or BATCH_SIZE, 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:size])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rules() -> dict[int, FollowUpRules]:
    return {rules.clinic_id: rules for rules in FollowUpRules.objects.all()}


def _reachable_patients(group: str) -> QuerySet:
    """Patients who can receive `group` emails about their routine: not archived, a password set, not opted
    out, and no red flag holding their routine until a clinician has spoken to them."""
    opted_out = EmailOptOut.objects.filter(email=OuterRef("user__email"), group__in=[group, "all"])
    on_hold = Alert.objects.holding().filter(patient=OuterRef("pk"))
    return (
        Patient.objects.filter(archived_at__isnull=True, user__is_active=True)
        .exclude(user__password__startswith="!")  # invitation not accepted yet: nothing to log in to
        .exclude(Exists(opted_out))
        .exclude(Exists(on_hold))
    )


def _with_active_program(queryset: QuerySet) -> QuerySet:
    return queryset.filter(Exists(Program.objects.filter(patient=OuterRef("pk"), status=Program.Status.ACTIVE)))


LOCAL_FIELDS = ["timezone", "quiet_hours_start", "quiet_hours_end", "user__email", "clinic_id"]


def _local(now: datetime.datetime, tz_name: str) -> datetime.datetime:
    return now.astimezone(zone(tz_name))


# --- Reminders -----------------------------------------------------------------------------------


def fan_out_reminders(now: datetime.datetime | None = None) -> int:
    """Queue today's reminder for every patient due one now; returns how many rows were queued.

    Due: an active program, reminders on for the clinic, reachable by email, local time past their
    reminder time and outside quiet hours, no session logged for their local today, no reminder yet today.
    """
    now = now or timezone.now()
    disabled = FollowUpRules.objects.filter(reminders_enabled=False).values("clinic_id")
    candidates = _with_active_program(_reachable_patients("reminders")).exclude(clinic_id__in=disabled)
    queued = 0
    for rows in batches(candidates, [*LOCAL_FIELDS, "reminder_time"]):
        due = {}
        for pk, tz_name, quiet_start, quiet_end, email, clinic_id, remind_at in rows:
            local = _local(now, tz_name)
            if local.time() >= remind_at and not in_quiet_hours(local.time(), quiet_start, quiet_end):
                due[pk] = (local.date(), email, clinic_id)
        if not due:
            continue
        exercised = set(
            SessionLog.objects.filter(
                patient_id__in=list(due), performed_on__in={day for day, _e, _c in due.values()}
            ).values_list("patient_id", "performed_on")
        )
        queued += len(
            queue_emails_in_bulk(
                [
                    BulkEmail(
                        kind=emails.REMINDER,
                        to=email,
                        key=f"{emails.REMINDER}:{pk}:{day.isoformat()}",
                        context={"patient_id": pk, "day": day.isoformat()},
                        clinic_id=clinic_id,
                    )
                    for pk, (day, email, clinic_id) in due.items()
                    if (pk, day) not in exercised
                ]
            )
        )
    return queued


# --- Check-ins due -------------------------------------------------------------------------------


def fan_out_check_ins_due(now: datetime.datetime | None = None) -> int:
    """One email per patient per new due date, in their morning. Returns rows queued."""
    now = now or timezone.now()
    # Coarse in SQL (the latest local date anywhere is UTC date + 1), exact per time zone below.
    horizon = now.astimezone(datetime.UTC).date() + datetime.timedelta(days=1)
    due_schedules = CheckInSchedule.objects.due(horizon).filter(patient=OuterRef("pk"))
    disabled = FollowUpRules.objects.filter(check_in_reminders_enabled=False).values("clinic_id")
    candidates = _reachable_patients("check_ins").filter(Exists(due_schedules)).exclude(clinic_id__in=disabled)
    queued = 0
    for rows in batches(candidates, LOCAL_FIELDS):
        schedules: dict[int, list[datetime.date]] = {}
        for patient_id, due_on in (
            CheckInSchedule.objects.due(horizon)
            .filter(patient_id__in=[row[0] for row in rows])
            .values_list("patient_id", "next_due_on")
        ):
            schedules.setdefault(patient_id, []).append(due_on)
        batch = []
        for pk, tz_name, quiet_start, quiet_end, email, clinic_id in rows:
            local = _local(now, tz_name)
            due = [day for day in schedules.get(pk, []) if day <= local.date()]
            if not due or local.time() < MORNING or in_quiet_hours(local.time(), quiet_start, quiet_end):
                continue
            due_on = max(due).isoformat()  # a newly due questionnaire makes a new email; an old one does not
            batch.append(
                BulkEmail(
                    kind=emails.CHECK_IN_DUE,
                    to=email,
                    key=f"{emails.CHECK_IN_DUE}:{pk}:{due_on}",
                    context={"patient_id": pk, "due_on": due_on},
                    clinic_id=clinic_id,
                )
            )
        queued += len(queue_emails_in_bulk(batch))
    return queued


# --- Weekly summary ------------------------------------------------------------------------------


def fan_out_weekly_summaries(now: datetime.datetime | None = None) -> int:
    """On each clinic's summary weekday, in the patient's morning: their week. Returns rows queued."""
    now = now or timezone.now()
    rules = _rules()
    disabled = [clinic_id for clinic_id, rule in rules.items() if not rule.weekly_summary_enabled]
    candidates = _with_active_program(_reachable_patients("progress")).exclude(clinic_id__in=disabled)
    default_weekday = FollowUpRules().weekly_summary_weekday
    queued = 0
    for rows in batches(candidates, LOCAL_FIELDS):
        batch = []
        for pk, tz_name, quiet_start, quiet_end, email, clinic_id in rows:
            local = _local(now, tz_name)
            weekday = rules[clinic_id].weekly_summary_weekday if clinic_id in rules else default_weekday
            if local.weekday() != weekday or local.time() < MORNING:
                continue
            if in_quiet_hours(local.time(), quiet_start, quiet_end):
                continue
            year, week, _day = local.isocalendar()
            batch.append(
                BulkEmail(
                    kind=emails.WEEKLY_SUMMARY,
                    to=email,
                    key=f"{emails.WEEKLY_SUMMARY}:{pk}:{year}-W{week:02d}",
                    context={"patient_id": pk, "week_ending": local.date().isoformat()},
                    clinic_id=clinic_id,
                )
            )
        queued += len(queue_emails_in_bulk(batch))
    return queued


# --- Physio digest -------------------------------------------------------------------------------


def fan_out_physio_digests(now: datetime.datetime | None = None) -> int:
    """Each physio with open alerts gets one digest a day, from the clinic's digest hour (clinic time)."""
    now = now or timezone.now()
    rules = _rules()
    default_hour = FollowUpRules().physio_digest_hour
    open_alerts = Alert.objects.open().filter(patient__primary_physio=OuterRef("pk"), patient__archived_at__isnull=True)
    opted_out = EmailOptOut.objects.filter(email=OuterRef("email"), group__in=["digest", "all"])
    physios = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, clinic__isnull=False)
        .filter(Exists(open_alerts))
        .exclude(Exists(opted_out))
        .exclude(clinic_id__in=[pk for pk, rule in rules.items() if not rule.physio_digest_enabled])
    )
    clinic_zones = dict(Clinic.objects.values_list("pk", "timezone"))
    queued = 0
    for rows in batches(physios, ["email", "clinic_id"]):
        batch = []
        for pk, email, clinic_id in rows:
            local = _local(now, clinic_zones.get(clinic_id, "UTC"))
            hour = rules[clinic_id].physio_digest_hour if clinic_id in rules else default_hour
            if local.hour < hour:
                continue
            day = local.date().isoformat()
            batch.append(
                BulkEmail(
                    kind=emails.PHYSIO_DIGEST,
                    to=email,
                    key=f"{emails.PHYSIO_DIGEST}:{pk}:{day}",
                    context={"physio_id": pk, "day": day},
                    clinic_id=clinic_id,
                )
            )
        queued += len(queue_emails_in_bulk(batch))
    return queued


__all__ = [
    "fan_out_check_ins_due",
    "fan_out_physio_digests",
    "fan_out_reminders",
    "fan_out_weekly_summaries",
    "in_quiet_hours",
]
