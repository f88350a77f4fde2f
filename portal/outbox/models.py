import functools
import hashlib
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundEmail(models.Model):
    """One email to send, written in the same transaction as the event that causes it.

    `context` holds ids and plain values only (never health data): the kind's function
    loads what the templates need when the email is sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    key = models.CharField(
        "idempotency key", max_length=200, unique=True, help_text="Queuing the same key again is a no-op."
    )
    kind = models.CharField(max_length=60)
    recipient = models.EmailField()
    clinic = models.ForeignKey(
        "portal.Clinic", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    context = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(default=False, help_text="Urgent emails are never suppressed by an opt-out.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a send task was last put on the broker for this row."
    )
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker claimed it for sending.")
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outbound email"
        indexes = [
            # The sweeper's two scans; finished rows stay out of the index.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="outbox_unfinished_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["clinic", "-created_at"], name="outbox_clinic_idx"),
            # A superuser's list (every clinic), newest first.
            models.Index(fields=["-created_at", "-id"], name="outbox_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False), name="outbox_sending_is_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        return message_id_for(self.key)


def message_id_for(key: str) -> str:
    """The Message-ID header, derived from the key: a re-send of the same email carries the same id."""
    return f"<outbox.{hashlib.sha256(key.encode()).hexdigest()[:40]}@{_domain_of(settings.DEFAULT_FROM_EMAIL)}>"


@functools.lru_cache(maxsize=8)
def _domain_of(from_email: str) -> str:
    # Parsed once per sender address, not once per email: parseaddr is a tenth of what rendering an email costs.
    return parseaddr(from_email)[1].rpartition("@")[2] or "localhost"


class EmailOptOut(models.Model):
    """An address that asked for no more emails of a group (non-urgent kinds only)."""

    email = models.EmailField()
    group = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["email", "group"]
        verbose_name = "email opt-out"
        constraints = [models.UniqueConstraint(fields=["email", "group"], name="optout_email_group_unique")]

    def __str__(self) -> str:
        return f"{self.email} opted out of {self.group}"
