from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from patients.models import Patient


def patient_required(view):
    """Only a logged-in, active patient reaches the view; it gets `request.patient`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        patient = Patient.objects.active().filter(user=request.user).select_related("clinic").first()
        if patient is None:
            raise Http404("This page is for patients.")
        request.patient = patient
        return view(request, *args, **kwargs)

    return wrapper
