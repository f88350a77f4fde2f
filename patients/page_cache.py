"""A patient's own pages (/my/, /my/progress/) from the cache: rendered once per change, not per request.

A page is stored only by a full render for that user (logged in, an active patient), under their user id,
with the versions it was rendered at: the user's page version, bumped whenever a row the pages show is saved
or deleted (signal receivers connected in `patients.apps`: every write path, the admin's included; the
user's and the patient's own rows too, so a deactivated user or an archived patient gets the full checks
again), and the exercise library's version. It is served again only while both are unchanged and it is
still the same day in the patient's time zone. What differs per request — the CSRF token and the session
form's one-time token — is rendered as a placeholder and filled in for each response. POSTs, query strings
and requests with a pending message are rendered as usual.

The cache must be shared by the web workers (Redis when REDIS_URL is set), as for the public pages.
"""

import secrets
import uuid
import zlib
import zoneinfo
from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from patients.models import Alert, CheckIn, CheckInSchedule, ExerciseLog, SessionLog
from portal.cache import GENERATION_KEY
from portal.models import Patient
from portal.pagecache import bump_version
from programs.models import Program, ProgramItem, ProgramPhase
from programs.selectors import VERSION_KEY as LIBRARY_VERSION_KEY

# An hour is plenty for a patient's reloads in a session, and bounds the memory of a busy morning.
TIMEOUT = 60 * 60
CSRF_PLACEHOLDER = "csrf-placeholder-" + "0" * 47  # as long as a real token, so the HTML keeps its shape
FORM_TOKEN_PLACEHOLDER = "00000000-0000-4000-8000-form-token00"


def _version_key(user_id: int) -> str:
    return f"patient-pages:{user_id}:version"


def pages_changed(user_id: int | None) -> None:
    """Make the user's cached pages stale."""
    if user_id is not None:
        bump_version(_version_key(user_id), TIMEOUT)


def _today_in(tz: str) -> date:
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(tz)).date()


def _cacheable(request: HttpRequest) -> bool:
    return request.method == "GET" and not request.GET and not len(messages.get_messages(request))


def patient_page(request: HttpRequest, page: str, view: Callable[[HttpRequest, dict], HttpResponse]) -> HttpResponse:
    """The page `view(request, tokens)` renders, from the cache when nothing it shows has changed.

    `view` must check that the user is an active patient (`patient_required`) and render the per-request
    tokens it receives: {"csrf_token": …, "form_token": …}. One cache round trip on a hit.
    """
    if not _cacheable(request):
        return view(request, {"csrf_token": get_token(request), "form_token": uuid.uuid4()})
    user_id = request.user.pk
    version_key, page_key = _version_key(user_id), f"patient-pages:{user_id}:{page}"
    found = cache.get_many([version_key, LIBRARY_VERSION_KEY, GENERATION_KEY, page_key])
    version = found.get(version_key)
    if version is None:
        cache.add(version_key, secrets.token_hex(8), TIMEOUT)
        version = cache.get(version_key)
    # The generation changes after a Redis outage (portal.cache): copies made before it are stale.
    versions = (version, found.get(LIBRARY_VERSION_KEY), found.get(GENERATION_KEY))
    cached = found.get(page_key)
    if cached is not None and cached[0] == versions and _today_in(cached[1]) == cached[2]:
        html = zlib.decompress(cached[3])
    else:
        response = view(request, {"csrf_token": CSRF_PLACEHOLDER, "form_token": FORM_TOKEN_PLACEHOLDER})
        if response.status_code != 200:
            return response
        html = response.content
        tz = request.patient.timezone
        cache.set(page_key, (versions, tz, _today_in(tz), zlib.compress(html, 1)), TIMEOUT)
    html = html.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    html = html.replace(FORM_TOKEN_PLACEHOLDER.encode(), str(uuid.uuid4()).encode())
    return HttpResponse(html)


# --- What makes the pages stale ---------------------------------------------------------------------------


def watched_models() -> dict:
    """Every model the patient's pages show, and how to find the user whose pages a changed row is on."""

    def user_of(model, path: str):
        return lambda pk: model.objects.filter(pk=pk).values_list(path, flat=True).first()

    patient_user = user_of(Patient, "user_id")
    program_user = user_of(Program, "patient__user_id")
    session_user = user_of(SessionLog, "patient__user_id")
    return {
        get_user_model(): lambda row: row.pk,
        Patient: lambda row: row.user_id,
        Program: lambda row: patient_user(row.patient_id),
        ProgramPhase: lambda row: program_user(row.program_id),
        ProgramItem: lambda row: program_user(row.program_id),
        SessionLog: lambda row: patient_user(row.patient_id),
        ExerciseLog: lambda row: session_user(row.session_id),
        CheckIn: lambda row: patient_user(row.patient_id),
        CheckInSchedule: lambda row: patient_user(row.patient_id),
        Alert: lambda row: patient_user(row.patient_id),  # a red flag's hold changes Today
    }


def connect_receivers() -> None:
    from django.db.models.signals import post_delete, post_save

    for model, find_user in watched_models().items():

        def receiver(instance, find_user=find_user, **_kwargs):
            pages_changed(find_user(instance))

        uid = f"patient-pages-{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
