from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.cache import add_never_cache_headers

from portal.models import Patient


def patient_required(view):
    """Only a logged-in, active patient reaches the view; it gets `request.patient`.

    The response is never stored by a browser or proxy: health data must not outlive a log-out on a shared
    device (back button included)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            patient = request.user.patient  # read with the user (portal.backends)
        except Patient.DoesNotExist:
            patient = None
        if patient is None or patient.archived_at is not None:  # as Patient.objects.active()
            raise Http404("This page is for patients.")
        request.patient = request.user.patient = patient  # the templates' `is_patient` asks the user
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper
