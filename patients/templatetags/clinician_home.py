from django import template
from django.utils import timezone

from patients import caseload
from portal.outbox.models import OutboundEmail

register = template.Library()


@register.inclusion_tag("admin/_clinician_home.html", takes_context=True)
def clinician_home(context):
    """The clinician's panels on the admin index: their caseload first (alerts at the top)."""
    request = context["request"]
    user = request.user
    if not user.has_perm("patients.view_alert"):
        return {"show": False}
    failures = []
    if user.has_perm("portal.view_outboundemail"):
        rows = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED)
        if not user.is_superuser:
            rows = rows.filter(clinic_id=user.clinic_id)
        failures = list(rows.only("kind", "recipient", "last_error", "created_at").order_by("-created_at")[:15])
    return {
        "show": True,
        "home": caseload.home(user),
        "failures": failures,
        "can_outbox": user.has_perm("portal.view_outboundemail"),
        "can_change_alerts": user.has_perm("patients.change_alert"),
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "today": timezone.localdate(),
    }
