from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Side(models.TextChoices):
    BOTH = "both", "both sides"
    LEFT = "left", "left side"
    RIGHT = "right", "right side"
    ALTERNATING = "alternating", "alternating sides"
    NONE = "none", "not applicable"


# Upper bounds that catch typing mistakes (10,000 reps, a hold of a day) without boxing clinicians in.
DOSAGE_LIMITS = {
    "sets": (1, 20),
    "reps": (1, 100),
    "hold_seconds": (0, 600),
    "rest_seconds": (0, 900),
    "times_per_day": (1, 10),
    "days_per_week": (1, 7),
}


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
    side = models.CharField(max_length=12, choices=Side.choices, default=Side.BOTH)

    DOSAGE_FIELDS = ["sets", "reps", "hold_seconds", "rest_seconds", "times_per_day", "days_per_week", "side"]

    class Meta:
        abstract = True


class Exercise(Dosage):
    class BodyRegion(models.TextChoices):
        LOWER_BACK = "lower-back", "Lower back"
        HIPS = "hips", "Hips and buttocks"
        LEGS = "legs", "Legs"
        CORE = "core", "Core"
        WHOLE_BODY = "whole-body", "Whole body"
        NECK = "neck", "Neck and upper back"

    class Kind(models.TextChoices):
        STRETCH = "stretch", "Stretch"
        STRENGTHENING = "strengthening", "Strengthening"
        MOBILITY = "mobility", "Mobility"
        AEROBIC = "aerobic", "Aerobic"
        EDUCATION = "education", "Education"

    class Difficulty(models.IntegerChoices):
        GENTLE = 1, "Gentle"
        MODERATE = 2, "Moderate"
        CHALLENGING = 3, "Challenging"

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
    video_url = models.URLField(blank=True, help_text="A link to an allow-listed video host.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["body_region", "kind"])]
        constraints = dosage_constraints("exercise")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:exercise_detail", kwargs={"slug": self.slug})

    @property
    def steps(self) -> list[str]:
        return [line.strip() for line in self.instructions.splitlines() if line.strip()]
