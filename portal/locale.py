"""The language a page is shown in.

Django's LocaleMiddleware picks the visitor's browser language (Accept-Language) from LANGUAGES. A patient who
chose a language in their settings (Patient.language) gets that one instead: it is copied into the session when
they log in or save their settings, so no page pays a query to find it. Staff pages (the admin) stay in
English, like staff emails: their own wording is written in English only.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.utils import translation

SESSION_KEY = "patient_language"


def supported(language: str | None) -> str | None:
    """`language` if the site speaks it (a code of LANGUAGES, or a variant of one), else None."""
    if not language:
        return None
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return None


def remember_patient_language(request, language: str) -> None:
    """Show this session's pages in `language` from now on ("" follows the browser again)."""
    language = supported(language)
    if language:
        request.session[SESSION_KEY] = language
        translation.activate(language)
        request.LANGUAGE_CODE = language
    else:
        request.session.pop(SESSION_KEY, None)
        # Back to what LocaleMiddleware found for this request (the browser's language).
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()


def _on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session") or user.is_staff:
        return
    patient = getattr(user, "patient", None)  # one query, at log-in only
    remember_patient_language(request, patient.language if patient is not None else "")


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="portal-patient-language")


class PatientLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: the patient's own language, English for the admin."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        if request.path_info.startswith(self.admin_prefix):
            language = settings.LANGUAGE_CODE
        else:
            language = supported(request.session.get(SESSION_KEY))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
