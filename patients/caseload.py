"""What a clinician's home (the admin index) shows: their caseload's alerts, check-ins due, patients who went
quiet, this week's adherence and programmes ending soon. A physio's caseload is their own patients; a clinic admin's
is the clinic's; a superuser's every clinic's. Each panel is one query with a limit, so the home costs the same
with ten patients or a thousand (patients/tests/test_clinician_home.py)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from patients.models import Alert, CheckInSchedule, FollowUpRules, SessionLog
from portal.models import Patient
from portal.roles import CLINIC_ADMIN, role_names
from programs.models import Program

ROWS = 15  # per panel; each panel links to its full list
ENDING_WITHIN_DAYS = 14


@dataclass
class Home:
    scope: str  # "your patients", "the clinic's patients", "every clinic's patients"
    alerts: list = field(default_factory=list)
    check_ins: list = field(default_factory=list)
    quiet: list = field(default_factory=list)
    quiet_hours: int = 0
    ending: list = field(default_factory=list)
    adherence: dict = field(default_factory=dict)


def caseload(user):
    patients = Patient.objects.active()
    if user.is_superuser:
        return patients, "every clinic's patients"
    patients = patients.filter(clinic_id=user.clinic_id)
    if CLINIC_ADMIN in role_names(user):
        return patients, "the clinic's patients"
    return patients.filter(primary_physio=user), "your patients"


def home(user) -> Home:
    patients, scope = caseload(user)
    ids = patients.values("pk")
    today = timezone.localdate()
    rules = FollowUpRules.for_clinic(user.clinic_id) if user.clinic_id else FollowUpRules()
    quiet_since = timezone.now() - timedelta(hours=rules.no_session_low_hours)
    active = Program.objects.filter(status=Program.Status.ACTIVE, patient__in=ids)
    last_session = SessionLog.objects.filter(program=OuterRef("pk")).order_by("-logged_at").values("logged_at")[:1]
    week_ago = today - timedelta(days=6)
    week = SessionLog.objects.filter(program__in=active, performed_on__gte=week_ago).aggregate(
        sessions=Count("pk"), patients=Count("patient", distinct=True)
    )
    return Home(
        scope=scope,
        alerts=list(
            Alert.objects.filter(patient__in=ids, resolved_at__isnull=True)
            .select_related("patient__user", "acknowledged_by")
            # Most serious first (1 is critical), then the ones nobody has acknowledged yet, oldest first.
            .order_by("severity", F("acknowledged_at").asc(nulls_first=True), "created_at")[:ROWS]
        ),
        check_ins=list(
            CheckInSchedule.objects.due(today)
            .filter(patient__in=ids)
            .select_related("patient__user")
            .order_by("next_due_on", "pk")[:ROWS]
        ),
        quiet=list(
            active.annotate(last_session=Subquery(last_session))
            .filter(Q(last_session__lt=quiet_since) | Q(last_session__isnull=True, created_at__lt=quiet_since))
            .select_related("patient__user")
            .order_by("last_session", "pk")[:ROWS]
        ),
        quiet_hours=rules.no_session_low_hours,
        ending=list(
            active.annotate(ends_on=Max("phases__end_date"))
            .filter(ends_on__gte=today, ends_on__lte=today + timedelta(days=ENDING_WITHIN_DAYS))
            .select_related("patient__user")
            .order_by("ends_on", "pk")[:ROWS]
        ),
        adherence={"programmes": active.count(), **week},
    )
