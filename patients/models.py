from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext_lazy

from patients import triage
from patients.questionnaires import STAFF_LABELS, Questionnaire
from programs.models import Program, Side


class CheckInScheduleQuerySet(models.QuerySet):
    def due(self, today):
        """What asks to be answered on `today` (the patient's date: `Patient.local_today()`): active, due by
        then, and not while the routine is paused (by the physio or a red flag's hold) until it resumes.
        After a programme is completed only its discharge questionnaires stay active (patients.pathway)."""
        paused = Program.objects.filter(patient=models.OuterRef("patient"), status=Program.Status.PAUSED)
        active = Program.objects.filter(patient=models.OuterRef("patient"), status=Program.Status.ACTIVE)
        return self.filter(active=True, next_due_on__isnull=False, next_due_on__lte=today).exclude(
            models.Q(models.Exists(paused)) & ~models.Q(models.Exists(active))
        )


class CheckInSchedule(models.Model):
    """A questionnaire the physio asks this patient to answer, once or every N days."""

    patient = models.ForeignKey("portal.Patient", on_delete=models.CASCADE, related_name="check_in_schedules")
    questionnaire = models.CharField(max_length=12, choices=Questionnaire.choices)
    every_days = models.PositiveSmallIntegerField(default=0, help_text="0 = ask once.")
    next_due_on = models.DateField(null=True, blank=True, help_text="Empty = not due (e.g. GROC until discharge).")
    at_discharge = models.BooleanField(default=False, help_text="Asked again when the programme is completed.")
    active = models.BooleanField(default=True)

    objects = CheckInScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["next_due_on"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "questionnaire"], name="one_schedule_per_questionnaire"),
            models.CheckConstraint(condition=models.Q(every_days__lte=365), name="schedule_every_days_max"),
        ]

    def __str__(self) -> str:
        return f"{self.get_questionnaire_display()} for {self.patient}"

    @property
    def questionnaire_for_staff(self) -> str:
        return STAFF_LABELS[self.questionnaire]


class CheckIn(models.Model):
    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="check_ins")
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

    def holding(self):
        """Alerts that keep a patient's routine on hold until a clinician resumes it."""
        return self.filter(holds_routine=True, hold_lifted_at__isnull=True)


class Alert(models.Model):
    """Something a physio should look at. Red flags and urgent alerts are also emailed at once."""

    class Kind(models.TextChoices):
        RED_FLAG = "red_flag", "Red-flag symptoms"
        PAIN_HIGH = "pain_high", "High pain"
        PAIN_RISE = "pain_rise", "Pain rising over baseline"
        NO_SESSION = "no_session", "No session logged"
        ODI_WORSE = "odi_worse", "Disability score worse"
        STARTBACK_HIGH = "startback_high", "High risk on STarT Back"
        GROC_WORSE = "groc_worse", "Feels worse (GROC)"

    Severity = triage.Severity

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    # Red flags: the triage level and every flag reported while the alert was open, in structured form.
    level = models.CharField(max_length=12, choices=triage.Level.choices, blank=True)
    flags = models.JSONField(default=list, blank=True)
    message = models.TextField()
    key = models.CharField(max_length=120, unique=True, help_text="Raising the same alert twice is a no-op.")
    created_at = models.DateTimeField(auto_now_add=True)
    escalate_at = models.DateTimeField(
        null=True, blank=True, help_text="Unacknowledged by then, it goes to every clinician of the clinic."
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_note = models.TextField("outcome", blank=True)
    # An emergency or same-day red flag puts the routine on hold until a clinician resumes it with a note.
    holds_routine = models.BooleanField(default=False)
    paused_program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold_lifted_at = models.DateTimeField(null=True, blank=True)
    hold_lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold_note = models.TextField("note on resuming", blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["severity", "-created_at"]
        verbose_name_plural = "alerts: patients needing attention"
        indexes = [
            models.Index(fields=["resolved_at", "severity", "-created_at"]),
            models.Index(
                fields=["escalate_at"],
                name="alert_to_escalate_idx",
                condition=models.Q(escalated_at__isnull=True, acknowledged_at__isnull=True, escalate_at__isnull=False),
            ),
        ]
        constraints = [
            # New red flags join the patient's open red-flag alert instead of opening another one.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(kind="red_flag", resolved_at__isnull=True),
                name="one_open_red_flag_alert_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.get_kind_display()}"

    @property
    def triage(self) -> triage.Triage | None:
        return triage.TRIAGE.get(self.level)

    @property
    def flag_labels(self) -> list[str]:
        return triage.labels(self.flags)


class RedFlagReport(models.Model):
    """What a patient ticked, saved before anything else on the form is validated.

    One row per form token, so a double submit or a retry records one report; the report joins the
    patient's open red-flag alert (see patients.services.report_red_flags).
    """

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="red_flag_reports")
    flags = models.JSONField()
    level = models.CharField(max_length=12, choices=triage.Level.choices)
    source = models.CharField(max_length=40, help_text="The page it was reported on.")
    token = models.UUIDField()
    reported_at = models.DateTimeField(auto_now_add=True)
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="reports")

    class Meta:
        ordering = ["-reported_at"]
        constraints = [models.UniqueConstraint(fields=["patient", "token"], name="red_flag_report_once_per_token")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.reported_at:%d %b %Y %H:%M}"

    @property
    def flag_labels(self) -> list[str]:
        return triage.labels(self.flags)


class FollowUpRules(models.Model):
    """A clinic's follow-up and alert rules, edited in the admin. Clinics without a row use the defaults."""

    clinic = models.OneToOneField("portal.Clinic", on_delete=models.CASCADE, related_name="follow_up_rules")
    reminders_enabled = models.BooleanField(default=True, help_text="Remind patients who have not exercised today.")
    check_in_reminders_enabled = models.BooleanField(default=True)
    weekly_summary_enabled = models.BooleanField(default=True)
    weekly_summary_weekday = models.PositiveSmallIntegerField(
        default=6, validators=[MaxValueValidator(6)], help_text="0 = Monday … 6 = Sunday"
    )
    physio_digest_enabled = models.BooleanField(default=True)
    physio_digest_hour = models.PositiveSmallIntegerField(default=8, validators=[MaxValueValidator(23)])
    pain_critical_at = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(10)], help_text="Pain at or above (0–10)."
    )
    pain_rise_points = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(10)], help_text="Points above baseline."
    )
    no_session_low_hours = models.PositiveSmallIntegerField(default=49, validators=[MinValueValidator(1)])
    no_session_high_days = models.PositiveSmallIntegerField(default=14, validators=[MinValueValidator(1)])
    odi_worse_points = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    startback_high_alert = models.BooleanField(
        "alert on STarT Back high risk", default=True, help_text="High risk points to psychologically informed care."
    )
    groc_worse_at = models.SmallIntegerField(
        "alert on GROC at or below",
        default=-4,
        validators=[MinValueValidator(-7), MaxValueValidator(-1)],
        help_text="−4 = “moderately worse”, −7 = “a very great deal worse”.",
    )

    class Meta:
        verbose_name = "follow-up rules"
        verbose_name_plural = "follow-up rules"

    def __str__(self) -> str:
        return f"Follow-up rules for {self.clinic}"

    @classmethod
    def for_clinic(cls, clinic_id: int) -> "FollowUpRules":
        return cls.objects.filter(clinic_id=clinic_id).first() or cls(clinic_id=clinic_id)


class SessionLog(models.Model):
    """One home exercise session as the patient logged it."""

    class Difficulty(models.TextChoices):
        TOO_EASY = "too_easy", pgettext_lazy("difficulty", "Too easy")
        ABOUT_RIGHT = "about_right", pgettext_lazy("difficulty", "About right")
        TOO_HARD = "too_hard", pgettext_lazy("difficulty", "Too hard")

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="session_logs")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="session_logs")
    phase = models.ForeignKey("programs.ProgramPhase", null=True, on_delete=models.PROTECT, related_name="+")
    performed_on = models.DateField(help_text="The patient's local date.")
    logged_at = models.DateTimeField(auto_now_add=True)
    pain_before = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    pain_after = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    difficulty = models.CharField(max_length=12, choices=Difficulty.choices)
    note = models.TextField(blank=True, max_length=2000)
    red_flags = models.JSONField(default=list, blank=True)
    # The form's one-time token: a double submit or a retry records one session.
    token = models.UUIDField()

    class Meta:
        ordering = ["-performed_on", "-logged_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "token"], name="session_once_per_token"),
            models.CheckConstraint(condition=models.Q(pain_before__lte=10), name="session_pain_before_range"),
            models.CheckConstraint(condition=models.Q(pain_after__lte=10), name="session_pain_after_range"),
        ]
        indexes = [
            models.Index(fields=["patient", "-performed_on"]),
            models.Index(fields=["program", "performed_on"]),
            # The admin's newest-first list walks this and stops after a page.
            models.Index(fields=["-performed_on", "-logged_at"], name="sessionlog_newest_idx"),
            # A programme's latest session, one index step each (the clinician home's "gone quiet" list).
            models.Index(fields=["program", "-logged_at"], name="sessionlog_program_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"Session on {self.performed_on:%d %b %Y}"

    DAYS_BACK = 14  # a session may be logged for today or up to two weeks before

    @classmethod
    def check_day(cls, day, today, *, program_start=None) -> None:
        """The rule for `performed_on`, for the form (next to the field) and the service (for every caller)."""
        if day > today:
            raise ValidationError(gettext("The date cannot be in the future."))
        if day < today - timedelta(days=cls.DAYS_BACK):
            raise ValidationError(gettext("You can log sessions from the last two weeks."))
        if program_start and day < program_start:
            raise ValidationError(
                gettext("The programme started on %(day)s: a session cannot be before it.")
                % {"day": date_format(program_start, gettext("j F Y"))}
            )


class ExerciseLog(models.Model):
    """An exercise done in a session, with the dosage that was prescribed at that time."""

    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="exercises")
    item = models.ForeignKey("programs.ProgramItem", on_delete=models.PROTECT, related_name="exercise_logs")
    sets_done = models.PositiveSmallIntegerField(validators=[MaxValueValidator(20)])
    reps_done = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    minutes_done = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(180)], help_text="For a timed exercise."
    )
    side = models.CharField(max_length=12, choices=Side.choices)
    pain = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="Pain during it, 0–10 (optional)."
    )
    difficulty = models.CharField(max_length=12, choices=SessionLog.Difficulty.choices, blank=True)
    stopped_for_pain = models.BooleanField(
        default=False, help_text="The patient stopped this exercise because it was too painful."
    )
    prescribed = models.JSONField(help_text="The item's dosage when this was logged; later edits don't change it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "item"], name="exercise_once_per_session"),
            models.CheckConstraint(condition=models.Q(sets_done__lte=20), name="exercise_log_sets_range"),
            models.CheckConstraint(condition=models.Q(reps_done__lte=100), name="exercise_log_reps_range"),
            models.CheckConstraint(condition=models.Q(minutes_done__lte=180), name="exercise_log_minutes_range"),
            models.CheckConstraint(condition=models.Q(pain__lte=10), name="exercise_log_pain_range"),
        ]

    def __str__(self) -> str:
        return f"{self.item} in {self.session}"

    @property
    def done_in_words(self) -> str:
        """What was done, e.g. "3 sets of 10", "10 minutes", "1 set of 4, stopped: too painful"."""
        if self.minutes_done is not None:
            done = ngettext("%(count)s minute", "%(count)s minutes", self.minutes_done) % {"count": self.minutes_done}
            if self.sets_done > 1:
                done = (
                    ngettext("%(count)s round", "%(count)s rounds", self.sets_done) % {"count": self.sets_done}
                    + f" × {done}"
                )
        else:
            done = ngettext("%(sets)s set of %(reps)s", "%(sets)s sets of %(reps)s", self.sets_done) % {
                "sets": self.sets_done,
                "reps": self.reps_done,
            }
        if self.stopped_for_pain:
            done = gettext("%(done)s, stopped: too painful") % {"done": done}
        return done


class PathwayStep(models.Model):
    """One questionnaire of a clinic's outcome pathway: when it is asked after a programme is assigned.
    A clinic without steps uses the default pathway (patients.pathway.DEFAULT_PATHWAY)."""

    rules = models.ForeignKey(FollowUpRules, on_delete=models.CASCADE, related_name="pathway")
    questionnaire = models.CharField(max_length=12, choices=Questionnaire.choices)
    first_week = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(52)],
        help_text="0 = at the start (baseline); 6 = six weeks in; empty = only at discharge.",
    )
    every_weeks = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(52)], help_text="Asked again every N weeks; 0 = once."
    )
    at_discharge = models.BooleanField(default=False, help_text="Asked when the programme is completed.")

    class Meta:
        ordering = ["rules", "questionnaire"]
        constraints = [models.UniqueConstraint(fields=["rules", "questionnaire"], name="one_step_per_questionnaire")]

    def __str__(self) -> str:
        return self.get_questionnaire_display()
