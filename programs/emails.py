"""The programs app's email kind: a programme was assigned (queued by services.assign_program)."""

from django.conf import settings
from django.urls import reverse

from portal.accounts import INVITATION
from portal.models import OutboundEmail
from portal.outbox import Cancel, queue_email, register_kind
from portal.outbox.rendering import LANGUAGE
from programs.models import Program

PROGRAM_ASSIGNED = "program_assigned"


def queue_program_assigned(*, program: Program):
    patient = program.patient
    return queue_email(
        kind=PROGRAM_ASSIGNED,
        to=patient.user.email,
        key=f"{PROGRAM_ASSIGNED}:{program.pk}",
        context={"program_id": program.pk},
        clinic=patient.clinic,
    )


@register_kind(PROGRAM_ASSIGNED, group="programs")
def program_assigned(context: dict) -> dict:
    program = Program.objects.select_related("patient__user", "physio").filter(pk=context["program_id"]).first()
    if program is None:
        raise Cancel("the programme no longer exists")
    patient, user = program.patient, program.patient.user
    if patient.archived_at is not None or not user.is_active:
        raise Cancel("the patient is archived")
    if program.status != Program.Status.ACTIVE:
        raise Cancel("the programme is no longer active")
    needs_password = not user.has_usable_password()
    if needs_password:
        # The invitation, while it is still waiting to go out, mentions the programme itself.
        invitation_pending = OutboundEmail.objects.filter(
            kind=INVITATION, recipient=user.email.lower(), status=OutboundEmail.Status.PENDING
        ).exists()
        if invitation_pending:
            raise Cancel("the invitation, still to be sent, introduces the programme")
    site = settings.SITE_URL.rstrip("/")
    return {
        "first_name": user.first_name,
        "physio_name": program.physio.get_full_name(),
        "start_date": program.start_date,
        "needs_password": needs_password,
        "today_url": site + reverse("patients:today"),
        "login_url": site + reverse("login"),
        LANGUAGE: patient.language,
    }
