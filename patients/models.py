import uuid
import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from patients.questionnaires import Questionnaire


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know, e.g. Europe/London.")


class PatientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Patient(models.Model):
    """A patient's clinical profile; the login is the linked user."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient")
    clinic = models.ForeignKey("portal.Clinic", on_delete=models.PROTECT, related_name="patients")
    primary_physio = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="primary_patients",
        limit_choices_to={"is_staff": True},
    )
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    reminder_time = models.TimeField(default=time(18, 0), help_text="Remind me if I have not exercised by…")
    quiet_hours_start = models.TimeField(default=time(21, 0))
    quiet_hours_end = models.TimeField(default=time(8, 0))
    # The secret in the private calendar-feed URL; rotating it revokes old links.
    calendar_token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        indexes = [
            models.Index(fields=["clinic", "archived_at"]),
            # The admin list, newest first: per clinic for staff, across clinics for superusers.
            models.Index(fields=["clinic", "-created_at", "-id"], name="patient_clinic_newest_idx"),
            models.Index(fields=["-created_at", "-id"], name="patient_newest_idx"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def email(self) -> str:
        return self.user.email


class CheckInSchedule(models.Model):
    """A questionnaire the physio asks this patient to answer, once or every N days."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="check_in_schedules")
    questionnaire = models.CharField(max_length=12, choices=Questionnaire.choices)
    every_days = models.PositiveSmallIntegerField(default=0, help_text="0 = ask once.")
    next_due_on = models.DateField(null=True, blank=True, help_text="Empty = not due (e.g. GROC until discharge).")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["next_due_on"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "questionnaire"], name="one_schedule_per_questionnaire"),
            models.CheckConstraint(condition=models.Q(every_days__lte=365), name="schedule_every_days_max"),
        ]

    def __str__(self) -> str:
        return f"{self.get_questionnaire_display()} for {self.patient}"


class CheckIn(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="check_ins")
    questionnaire = models.CharField(max_length=12, choices=Questionnaire.choices)
    answers = models.JSONField()
    score = models.DecimalField(max_digits=6, decimal_places=2)
    band = models.CharField(max_length=20, blank=True)
    red_flags = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time token: a double submit or a retry records one check-in.
    token = models.UUIDField()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["patient", "token"], name="check_in_once_per_token")]
        indexes = [models.Index(fields=["patient", "questionnaire", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_questionnaire_display()} · {self.submitted_at:%d %b %Y}"


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Alert(models.Model):
    """Something a physio should look at; urgent ones are also emailed at once."""

    class Kind(models.TextChoices):
        RED_FLAG = "red_flag", "Red-flag symptoms"
        PAIN_HIGH = "pain_high", "High pain"
        PAIN_RISE = "pain_rise", "Pain rising over baseline"
        NO_SESSION = "no_session", "No session logged"
        ODI_WORSE = "odi_worse", "Disability score worse"

    class Severity(models.IntegerChoices):
        URGENT = 1, "Urgent"
        CRITICAL = 2, "Critical"
        HIGH = 3, "High"
        LOW = 4, "Low"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    message = models.CharField(max_length=300)
    key = models.CharField(max_length=120, unique=True, help_text="Raising the same alert twice is a no-op.")
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["severity", "-created_at"]
        verbose_name_plural = "alerts: patients needing attention"
        indexes = [models.Index(fields=["resolved_at", "severity", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.get_kind_display()}"
