from django.conf import settings
from django.db import models


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
    timezone = models.CharField(max_length=64, default="Europe/London")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        indexes = [models.Index(fields=["clinic", "archived_at"])]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def email(self) -> str:
        return self.user.email
