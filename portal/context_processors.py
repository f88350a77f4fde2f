from django.conf import settings
from django.utils.functional import SimpleLazyObject

from portal.models import Emergency


def site(request):
    user = request.user

    def is_patient() -> bool:
        # Called by the template only where it asks (the site's pages, not the admin's): one query at most,
        # and Django caches the answer on the user.
        return user.is_authenticated and hasattr(user, "patient")

    def emergency() -> Emergency:
        # A patient sees their clinic's number: patient_required has loaded it; elsewhere it costs a query.
        patient = getattr(request, "patient", None)
        if patient is None and user.is_authenticated and not user.is_staff:
            patient = getattr(user, "patient", None)
        return Emergency.for_clinic(patient.clinic if patient is not None else None)

    return {
        "emergency": SimpleLazyObject(emergency),
        "site_name": settings.SITE_NAME,
        "is_patient": is_patient,
        "admin_url": "/" + settings.ADMIN_URL,
    }
