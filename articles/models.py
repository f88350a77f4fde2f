from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.rendering import content_checks
from programs.images import validate_image_upload

# A long article is 20,000–40,000 characters; past this, rendering pathological Markdown (100,000 "![") takes
# seconds of a worker's time.
MAX_BODY_CHARS = 60_000

BODY_HELP = (
    "Markdown: ## headings (they make the table of contents), lists, **bold**, | tables |. "
    "Callouts: a line '::: warning Get urgent help', the text, then a line ':::' (also '::: tip' and '::: note'). "
    "Exercise card: '{{exercise:knee-to-chest}}' on a line of its own. "
    "Link to an exercise: [Knee to chest](exercise:knee-to-chest). HTML is not allowed."
)


class Condition(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def review_due(self, today=None, within_days: int = 14):
        today = today or timezone.localdate()
        return self.exclude(status=Article.Status.ARCHIVED).filter(
            next_review_due__lte=today + timezone.timedelta(days=within_days)
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(
        max_length=300, blank=True, help_text="One or two sentences; also the search engines' description."
    )
    body = models.TextField(
        blank=True, max_length=MAX_BODY_CHARS, validators=[MaxLengthValidator(MAX_BODY_CHARS)], help_text=BODY_HELP
    )
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False)
    hero_image = models.ImageField(upload_to="articles/", blank=True, validators=[validate_image_upload])
    hero_alt = models.CharField(
        "hero image alt text", max_length=250, blank=True, help_text="What the image shows, for screen readers."
    )
    conditions = models.ManyToManyField(Condition, blank=True, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clinical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="For scheduled publishing.")
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    related_exercises = models.ManyToManyField("programs.Exercise", blank=True, related_name="articles")
    related_articles = models.ManyToManyField("self", blank=True, symmetrical=False)
    # A reviewed article's text changes only through a working copy that a clinician approves (articles.services).
    working_copy_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="working_copy", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "title"]
        permissions = [("can_review_clinically", "Can review articles clinically")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hero_image="") | ~Q(hero_alt=""), name="article_hero_image_needs_alt_text"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(publish_at__isnull=False), name="article_scheduled_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.hero_image and not self.hero_alt.strip():
            raise ValidationError({"hero_alt": "Describe the hero image for people who cannot see it."})

    @property
    def is_live(self) -> bool:
        """Published or scheduled: its clinical text is what a clinician approved, and stays so."""
        return self.status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED)

    @property
    def checks(self) -> dict:
        return content_checks(self.body)

    @property
    def review_overdue(self) -> bool:
        return bool(self.next_review_due and self.next_review_due < timezone.localdate())


class Reference(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=200, blank=True, help_text="Journal, organisation or publisher.")
    url = models.URLField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def safe_url(self) -> str:
        """The link only if it is http(s): rows written around the form's validation never become active links."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else ""


class FAQ(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=300)
    answer = models.TextField(help_text="Plain text; blank lines start new paragraphs.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question


class Revision(models.Model):
    """A snapshot of an article as saved, so an editor can see who changed what and go back."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The clinician who approved this version's text going live.",
    )  # fmt: skip
    changed_fields = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.article} · {self.created_at:%Y-%m-%d %H:%M}"


# --- Education in the care plan: articles a physio asks a patient to read --------------------------------------

WEEK_HELP = "The programme week from which the patient sees it on their Today page (week 1 starts on day one)."


class Reading(models.Model):
    """An article in a patient's programme, from its week on; `read_at` is when the patient said they read it."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="readings")
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="readings", limit_choices_to={"status": "published"}
    )
    week = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(52)], help_text=WEEK_HELP
    )
    read_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["week", "pk"]
        constraints = [models.UniqueConstraint(fields=["program", "article"], name="reading_once_per_program")]

    def __str__(self) -> str:
        return f"{self.article} (week {self.week})"


class TemplateReading(models.Model):
    """An article a template carries; assigning the template copies it into the programme (articles.care_plan)."""

    template = models.ForeignKey("programs.ProgramTemplate", on_delete=models.CASCADE, related_name="readings")
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="template_readings", limit_choices_to={"status": "published"}
    )
    week = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(52)], help_text=WEEK_HELP
    )

    class Meta:
        ordering = ["week", "pk"]
        constraints = [models.UniqueConstraint(fields=["template", "article"], name="reading_once_per_template")]

    def __str__(self) -> str:
        return f"{self.article} (week {self.week})"
