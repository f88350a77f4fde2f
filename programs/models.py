from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.images import validate_image_upload


class Side(models.TextChoices):
    BOTH = "both", _("both sides")
    LEFT = "left", _("left side")
    RIGHT = "right", _("right side")
    ALTERNATING = "alternating", _("alternating sides")
    NONE = "none", _("not applicable")


# Upper bounds that catch typing mistakes (10,000 reps, a hold of a day) without boxing clinicians in.
DOSAGE_LIMITS = {
    "sets": (1, 20),
    "reps": (1, 100),
    "hold_seconds": (0, 600),
    "rest_seconds": (0, 900),
    "times_per_day": (1, 10),
    "days_per_week": (1, 7),
    "duration_minutes": (0, 180),
}

# Video links must point to a host we trust to embed; anything else is refused.
ALLOWED_VIDEO_HOSTS = ("youtube.com", "www.youtube.com", "youtu.be", "vimeo.com", "player.vimeo.com")
MAX_VIDEO_BYTES = 50 * 1024 * 1024


def validate_video_url(value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or (parts.hostname or "").lower() not in ALLOWED_VIDEO_HOSTS:
        hosts = ", ".join(ALLOWED_VIDEO_HOSTS)
        raise ValidationError(f"Video links must be https links to one of: {hosts}.")


def validate_video_size(file) -> None:
    if file and file.size > MAX_VIDEO_BYTES:
        raise ValidationError(f"A video may be at most {MAX_VIDEO_BYTES // (1024 * 1024)} MB.")


def validate_video_content(file) -> None:
    """An MP4 (an "ftyp" box first) or a WebM (an EBML header), by its bytes, whatever its name says."""
    if not file or getattr(file, "_committed", False):
        return
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    if head[4:8] != b"ftyp" and not head.startswith(b"\x1a\x45\xdf\xa3"):
        raise ValidationError("Upload a video (MP4 or WebM); this file is not one.")


def _bounded(name: str, **kwargs):
    low, high = DOSAGE_LIMITS[name]
    return models.PositiveSmallIntegerField(
        validators=[MinValueValidator(low), MaxValueValidator(high)],
        help_text=f"{low}–{high}",
        **kwargs,
    )


def dosage_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The same limits as the validators, enforced by the database too."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__gte": low, f"{name}__lte": high}),
            name=f"{prefix}_{name}_range",
        )
        for name, (low, high) in DOSAGE_LIMITS.items()
    ]


class Dosage(models.Model):
    sets = _bounded("sets", default=1)
    reps = _bounded("reps", default=10)
    hold_seconds = _bounded("hold_seconds", default=0)
    rest_seconds = _bounded("rest_seconds", default=0)
    times_per_day = _bounded("times_per_day", default=1)
    days_per_week = _bounded("days_per_week", default=7)
    duration_minutes = _bounded("duration_minutes", default=0)
    side = models.CharField(max_length=12, choices=Side.choices, default=Side.BOTH)

    DOSAGE_FIELDS = [
        "sets",
        "reps",
        "hold_seconds",
        "rest_seconds",
        "times_per_day",
        "days_per_week",
        "duration_minutes",
        "side",
    ]

    class Meta:
        abstract = True

    def dosage_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.DOSAGE_FIELDS}

    @property
    def dosage_in_words(self) -> str:
        from programs.dosage import dosage_in_words

        return dosage_in_words(self.dosage_dict())


class Exercise(Dosage):
    class BodyRegion(models.TextChoices):
        LOWER_BACK = "lower-back", _("Lower back")
        HIPS = "hips", _("Hips and buttocks")
        LEGS = "legs", _("Legs")
        CORE = "core", _("Core")
        WHOLE_BODY = "whole-body", _("Whole body")
        NECK = "neck", _("Neck and upper back")

    class Kind(models.TextChoices):
        STRETCH = "stretch", _("Stretch")
        STRENGTHENING = "strengthening", _("Strengthening")
        MOBILITY = "mobility", _("Mobility")
        AEROBIC = "aerobic", _("Aerobic")
        EDUCATION = "education", _("Education")

    class Difficulty(models.IntegerChoices):
        GENTLE = 1, _("Gentle")
        MODERATE = 2, _("Moderate")
        CHALLENGING = 3, _("Challenging")

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    body_region = models.CharField(max_length=20, choices=BodyRegion.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=250, help_text="One sentence shown in lists and cards.")
    instructions = models.TextField(help_text="One step per line.")
    what_to_feel = models.TextField(blank=True, help_text="What the patient should feel when doing it right.")
    cautions = models.TextField(blank=True, help_text="What should make the patient stop.")
    equipment = models.CharField(max_length=200, blank=True)
    difficulty = models.PositiveSmallIntegerField(choices=Difficulty.choices, default=Difficulty.GENTLE)
    video_url = models.URLField(
        blank=True,
        validators=[validate_video_url],
        help_text="An https link to YouTube or Vimeo.",
    )
    video_file = models.FileField(
        upload_to="exercises/videos/",
        blank=True,
        validators=[FileExtensionValidator(["mp4", "webm"]), validate_video_size, validate_video_content],
        help_text="An MP4 or WebM file, 50 MB at most.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_reviewed = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What patients read and do: a change to any of these waits for a clinician (programs.exercise_review).
    CLINICAL_FIELDS = [
        "name", "summary", "instructions", "what_to_feel", "cautions", "video_url", "video_file",
        *Dosage.DOSAGE_FIELDS,
    ]  # fmt: skip

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["body_region", "kind"])]
        constraints = dosage_constraints("exercise")
        permissions = [("can_review_clinically", "Can approve changes to exercises clinically")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:exercise_detail", kwargs={"slug": self.slug})

    @property
    def steps(self) -> list[str]:
        return [line.strip() for line in self.instructions.splitlines() if line.strip()]


class ExerciseChange(models.Model):
    """A change to an exercise's clinical text, waiting for a clinician; patients see the approved text meanwhile."""

    exercise = models.OneToOneField(Exercise, on_delete=models.CASCADE, related_name="pending_change")
    values = models.JSONField(help_text="The proposed value of each of Exercise.CLINICAL_FIELDS.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Change to {self.exercise}"


class ExerciseImageQuerySet(models.QuerySet):
    def approved(self):
        """The pictures patients and the public see: a new one waits for a clinician (programs.exercise_review)."""
        return self.filter(approved_at__isnull=False)


class ExerciseImage(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="exercises/images/", validators=[validate_image_upload])
    alt_text = models.CharField(
        max_length=250, help_text="Describe what the picture shows, for people who cannot see it."
    )
    order = models.PositiveSmallIntegerField(default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ExerciseImageQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(alt_text=""), name="exerciseimage_alt_text_required")]

    def __str__(self) -> str:
        return self.alt_text


# --- Templates (protocols) ------------------------------------------------------------------


class ProgramTemplate(models.Model):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    condition = models.CharField(max_length=200, blank=True, help_text="What the protocol is for.")
    description = models.TextField(blank=True)
    default_goals = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplatePhase(models.Model):
    template = models.ForeignKey(ProgramTemplate, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=120)
    duration_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["template", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_weeks__gte=1, duration_weeks__lte=52), name="templatephase_weeks_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TemplateItem(Dosage):
    phase = models.ForeignKey(TemplatePhase, on_delete=models.CASCADE, related_name="items")
    # PROTECT: a protocol must never silently lose an exercise.
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="template_items")
    order = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["phase", "order", "pk"]
        constraints = dosage_constraints("templateitem")

    def __str__(self) -> str:
        return f"{self.exercise} ({self.phase})"


# --- Programs assigned to patients ------------------------------------------------------------


class ProgramQuerySet(models.QuerySet):
    def for_patient(self, user):
        """The programs a logged-in patient may see: their own."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(patient__user=user)

    def with_activity(self):
        """Annotate `sessions_last_7_days` and `last_activity` (the later of the last change and the last
        session logged) in the same query, for lists.

        Sessions are the patients app's `session_logs`: reached through the reverse relation's model
        so this app imports nothing from patients. Subqueries, not joins, so the counts are exact and
        only the rows shown are computed.
        """
        sessions = self.model._meta.get_field("session_logs").related_model.objects.filter(program=OuterRef("pk"))
        week_ago = timezone.localdate() - timedelta(days=6)
        recent = sessions.filter(performed_on__gte=week_ago).order_by().values("program")
        last_session = sessions.order_by("-logged_at").values("logged_at")[:1]
        last_change = ProgramChange.objects.filter(program=OuterRef("pk")).order_by("-at").values("at")[:1]
        return self.annotate(
            sessions_last_7_days=Coalesce(
                Subquery(recent.annotate(n=Count("pk")).values("n")), Value(0), output_field=models.IntegerField()
            ),
            # GREATEST is NULL on SQLite when either side is: coalesce each with the other first.
            last_activity=Greatest(
                Coalesce(Subquery(last_session), Subquery(last_change)),
                Coalesce(Subquery(last_change), Subquery(last_session)),
            ),
        )


class Program(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    patient = models.ForeignKey("portal.Patient", on_delete=models.PROTECT, related_name="programs")
    physio = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="programs_prescribed",
        limit_choices_to={"is_staff": True},
        verbose_name="physiotherapist",
    )
    template = models.ForeignKey(
        ProgramTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="programs"
    )
    title = models.CharField(max_length=150)
    goals = models.TextField(blank=True)
    start_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    current_phase = models.ForeignKey(
        "ProgramPhase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The admin list walks this newest first and stops after a page, so its per-row subqueries
        # (sessions, last activity) run for the page only, not for every programme of the clinic.
        indexes = [models.Index(fields=["-created_at", "-id"], name="program_newest_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="active"), name="program_one_active_per_patient"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def clinic(self):
        return self.patient.clinic


class ProgramPhase(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=120)
    start_date = models.DateField()
    end_date = models.DateField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["program", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="programphase_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "A phase cannot end before it starts."})


class ProgramItemQuerySet(models.QuerySet):
    def current(self):
        return self.filter(removed_at__isnull=True)


class ProgramItem(Dosage):
    """One exercise prescribed in a program phase, with its own dosage.

    Items are never deleted once prescribed: removing one stamps `removed_at`, so a session log
    that points at it still finds it. Logs copy `prescribed_dosage()` when they are recorded.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="items")
    phase = models.ForeignKey(ProgramPhase, on_delete=models.PROTECT, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="program_items")
    order = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=250, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = ProgramItemQuerySet.as_manager()

    class Meta:
        ordering = ["phase__order", "order", "pk"]
        constraints = dosage_constraints("programitem")

    def __str__(self) -> str:
        return str(self.exercise)

    def clean(self):
        if self.phase_id and self.program_id and self.phase.program_id != self.program_id:
            raise ValidationError({"phase": "Choose a phase of this program."})

    def prescribed_dosage(self) -> dict:
        """The dosage as prescribed right now, for a session log to keep as it was."""
        return self.dosage_dict()


class ProgramChange(models.Model):
    """Who changed what in a program, and when; before/after hold the changed values."""

    class Action(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        UPDATED = "updated", "Program updated"
        ITEM_ADDED = "item_added", "Exercise added"
        ITEM_UPDATED = "item_updated", "Exercise changed"
        ITEM_REMOVED = "item_removed", "Exercise removed"
        PHASE_ADDED = "phase_added", "Phase added"
        PHASE_UPDATED = "phase_updated", "Phase changed"
        PHASE_ADVANCED = "phase_advanced", "Phase advanced"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        COMPLETED = "completed", "Completed"
        DUPLICATED = "duplicated", "Duplicated"
        READING = "reading", "Reading list changed"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="changes")
    item = models.ForeignKey(ProgramItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: the portal.",
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    summary = models.CharField(max_length=300)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["program", "-at"])]

    def __str__(self) -> str:
        return self.summary
