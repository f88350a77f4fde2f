import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.security import normalise_email


class Clinic(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=250, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/London")
    # Safety settings: where patients are sent in an emergency, and who hears about red flags.
    emergency_number = models.CharField(
        max_length=20, blank=True, help_text="Empty: the site's default (EMERGENCY_NUMBER, 999 unless set)."
    )
    emergency_department = models.CharField(
        max_length=60,
        blank=True,
        help_text="What patients call the emergency department. Empty: the site's default (A&E unless set).",
    )
    alert_inbox = models.EmailField(
        blank=True, help_text="A shared address that receives every red-flag and urgent alert at once."
    )
    escalate_after_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="An emergency or same-day alert nobody has acknowledged by then goes to every clinician "
        "of the clinic.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def emergency(self) -> "Emergency":
        return Emergency.for_clinic(self)


@dataclass(frozen=True)
class Emergency:
    """The emergency number and the words for the emergency department, as patients of a clinic read them."""

    number: str
    department: str

    @classmethod
    def for_clinic(cls, clinic: "Clinic | None") -> "Emergency":
        return cls(
            number=(clinic and clinic.emergency_number) or settings.EMERGENCY_NUMBER,
            department=(clinic and clinic.emergency_department) or settings.EMERGENCY_DEPARTMENT,
        )

    def __str__(self) -> str:
        return f"call {self.number} or go to {self.department}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email=normalise_email(username))


class User(AbstractUser):
    """Everyone who logs in: staff (with a clinic) and patients (with a patient profile)."""

    username = None
    email = models.EmailField("email address", unique=True)
    clinic = models.ForeignKey(
        Clinic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="The clinic a staff member works for. Patients belong to a clinic through their patient profile.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):
        """A clinical review permission is held only by a registered clinician, whatever the role or superuser
        flag says: the public page names the reviewer with their profession."""
        if perm in CLINICAL_REVIEW_PERMISSIONS and self.clinician_profile_or_none is None:
            return False
        return super().has_perm(perm, obj)

    @property
    def clinician_profile_or_none(self):
        try:
            return self.clinician_profile
        except ClinicianProfile.DoesNotExist:
            return None

    @property
    def name_with_profession(self) -> str:
        profile = self.clinician_profile_or_none
        name = self.get_full_name() or "a clinician"
        return f"{name}, {profile.get_profession_display()}" if profile else name


# Named by app label so that portal imports no app (as portal.roles does).
CLINICAL_REVIEW_PERMISSIONS = frozenset({"articles.can_review_clinically", "programs.can_review_clinically"})


class ClinicianProfile(models.Model):
    """A clinician's registration: only staff with one may review clinical content (User.has_perm)."""

    class Profession(models.TextChoices):
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
        DOCTOR = "doctor", "Doctor"
        NURSE = "nurse", "Nurse"
        OSTEOPATH = "osteopath", "Osteopath"
        CHIROPRACTOR = "chiropractor", "Chiropractor"

    class Body(models.TextChoices):
        HCPC = "HCPC", "Health and Care Professions Council (HCPC)"
        GMC = "GMC", "General Medical Council (GMC)"
        NMC = "NMC", "Nursing and Midwifery Council (NMC)"
        GOSC = "GOsC", "General Osteopathic Council (GOsC)"
        GCC = "GCC", "General Chiropractic Council (GCC)"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="clinician_profile")
    profession = models.CharField(max_length=20, choices=Profession.choices)
    registration_body = models.CharField(max_length=8, choices=Body.choices)
    registration_number = models.CharField(max_length=30, help_text="As on the register, e.g. PH123456.")

    def __str__(self) -> str:
        return f"{self.get_profession_display()} ({self.registration_body} {self.registration_number})"


class AuditEvent(models.Model):
    """Who looked at or changed a patient's records, when and from where. Append-only."""

    class Action(models.TextChoices):
        LIST = "list", "listed"
        VIEW = "view", "viewed"
        ADD = "add", "added"
        CHANGE = "change", "changed"
        DELETE = "delete", "deleted"
        EXPORT = "export", "exported"
        REFUSED = "refused", "refused (address in use)"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey("portal.User", on_delete=models.PROTECT, related_name="audit_events")
    clinic = models.ForeignKey(Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["clinic", "-at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.model} {self.object_id}".strip()


from portal.outbox.models import EmailOptOut, OutboundEmail  # noqa: E402 - the outbox's models live in portal/outbox

__all__ = ["AuditEvent", "Clinic", "Emergency", "EmailOptOut", "OutboundEmail", "User"]


# --- Patients ----------------------------------------------------------------------------------


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know, e.g. Europe/London.")


class PatientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Patient(models.Model):
    """A patient: the person, their clinic, physio and preferences; the login is the linked user.

    Here, beside User and Clinic, so that programmes (which belong to a patient) and the patients app
    (sessions, check-ins, alerts, which refer to programmes) both point down at it: see docs/architecture.md.
    """

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
    reminder_time = models.TimeField(default=time(18, 0), help_text=_("Remind me if I have not exercised by…"))
    quiet_hours_start = models.TimeField(default=time(21, 0))
    quiet_hours_end = models.TimeField(default=time(8, 0))
    # The patient's pages and emails in this language; empty: the browser's language (emails: LANGUAGE_CODE).
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True)
    # The secret in the private calendar-feed URL; rotating it revokes old links.
    calendar_token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        # The table kept its name when the model moved here from the patients app (docs/architecture.md).
        db_table = "patients_patient"
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

    def local_today(self, now: datetime | None = None) -> date:
        """The patient's date where they live: a session at 00:30 in Sydney is "today" there."""
        return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(self.timezone)).date()
