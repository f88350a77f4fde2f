from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from articles import care_plan
from articles.models import Reading
from patients import emails, exports, player, questionnaires, selectors, services, triage
from patients.access import patient_required
from patients.forms import CHECK_IN_FORMS, NewInvitationForm, RedFlagMixin, SessionForm, SettingsForm
from patients.models import ExerciseLog
from patients.page_topics import topics
from patients.questionnaires import Questionnaire
from portal.locale import remember_patient_language
from portal.models import Patient
from portal.pagecache import personal_page


def _report_red_flags(request, source: str):
    """Safety first: whatever else the form holds, the red flags ticked in it are saved and the clinic is
    alerted before the form is validated (patients.services.report_red_flags)."""
    flags, token = RedFlagMixin.reported_flags(request.POST)
    return services.report_red_flags(patient=request.patient, flags=flags, token=token, source=source)


def _advice(request, flags: list[str]):
    return triage.advice_for(flags, request.patient.clinic.emergency)


def _red_flag_question(request) -> dict:
    """What red-flags.js needs to show each level's advice as boxes are ticked."""
    emergency = request.patient.clinic.emergency
    return {
        "live_advice": [triage.advice(level, emergency) for level in triage.TRIAGE],
        "flag_levels": {flag.key: flag.level for flag in triage.RED_FLAGS},
    }


def _readings(plan) -> list:
    return care_plan.due_readings(plan.program, plan.today) if plan.program else []


def _hold_advice(request, plan) -> dict:
    if plan.hold is None or not plan.hold.level:
        return {}
    return {"hold_advice": triage.advice(plan.hold.level, request.patient.clinic.emergency)}


@patient_required
def check_in_list(request):
    patient = request.patient
    due = patient.check_in_schedules.due(patient.local_today())
    recent = patient.check_ins.all()[:10]
    return render(request, "patients/check_in_list.html", {"due": due, "recent": recent})


@patient_required
def check_in_form(request, questionnaire):
    form_class = CHECK_IN_FORMS.get(questionnaire)
    if form_class is None:
        raise Http404("No such questionnaire.")
    initial = selectors.check_in_initial(request.patient, questionnaire)
    form = form_class(request.POST or None, initial=initial)
    report = None
    if request.method == "POST":
        report = _report_red_flags(request, source=f"check-in: {questionnaire}")
        if form.is_valid():
            check_in = services.submit_check_in(
                patient=request.patient,
                questionnaire=questionnaire,
                answers=form.answers(),
                red_flags=form.cleaned_data["red_flags"],
                token=form.cleaned_data["token"],
            )
            return redirect("patients:check_in_done", pk=check_in.pk)
    context = {
        "form": form,
        "title": Questionnaire(questionnaire).label,
        "source": questionnaires.SOURCES[questionnaire],
        "carried_forward": bool(initial) and not form.is_bound,
        **_report_context(request, report),
        **_red_flag_question(request),
    }
    return render(request, "patients/check_in_form.html", context)


def _report_context(request, report) -> dict:
    if report is None:
        return {}
    return {"report": report, "advice": _advice(request, report.flags), "reported": report.flag_labels}


@patient_required
def check_in_done(request, pk):
    check_in = get_object_or_404(request.patient.check_ins, pk=pk)
    context = {
        "check_in": check_in,
        "meaning": questionnaires.meaning(check_in.questionnaire, check_in.score, check_in.band),
        "advice": _advice(request, check_in.red_flags),
        "reported": triage.labels(check_in.red_flags),
    }
    return render(request, "patients/check_in_done.html", context)


@patient_required
def settings_view(request):
    form = SettingsForm(request.POST or None, instance=request.patient)
    if request.method == "POST" and form.is_valid():
        patient = services.update_settings(patient=request.patient, **form.cleaned_data)
        remember_patient_language(request, patient.language)  # the message below is in the new language already
        messages.success(request, _("Your settings are saved."))
        return redirect("patients:settings")
    return render(request, "patients/settings.html", {"form": form})


@require_POST
@patient_required
def rotate_calendar(request):
    services.rotate_calendar_token(patient=request.patient)
    messages.success(request, _("Your calendar link has changed. The old link no longer works."))
    return redirect("patients:settings")


# --- Today, progress, export, calendar --------------------------------------------------------------


def _own_page(request, name, view):
    """A patient's page from the cache (portal.pagecache) until something on it changes or their day ends."""
    zone = lambda: request.patient.timezone  # noqa: E731 - known once `view` has checked the patient
    return personal_page(request, name, view, depends_on=topics(request.user.pk), zone=zone)


@never_cache
@login_required
def today(request):
    if request.method == "POST":
        return _log_session(request)
    return _own_page(request, "today", _today_page)


@patient_required
def _today_page(request, tokens: dict):
    plan = selectors.today_plan(request.patient)
    form = SessionForm(items=plan.items, today=plan.today, initial={"token": tokens["form_token"]})
    readings = _readings(plan)
    context = {
        "plan": plan,
        "readings": readings,
        "csrf_token": tokens["csrf_token"],
        "english_only": bool(plan.items or readings),  # the exercises and articles are written in English
        **_hold_advice(request, plan),
    }
    if plan.state == "due":
        context.update(form=form, player_text=player.TEXT, **_red_flag_question(request))
    return render(request, "patients/today.html", context)


@patient_required
def _log_session(request):
    # The plan as the patient saw it when they filled the form in, before any red flag puts it on hold.
    plan = selectors.today_plan(request.patient)
    report = _report_red_flags(request, source="session")
    form = SessionForm(request.POST, items=plan.items, today=plan.today)
    if plan.state == "due" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.log_session(
                patient=request.patient,
                program=plan.program,
                performed_on=data["performed_on"],
                pain_before=data["pain_before"],
                pain_after=data["pain_after"],
                difficulty=data["difficulty"],
                note=data["note"],
                red_flags=data["red_flags"],
                exercises=form.exercises(),
                token=data["token"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("patients:session_done", pk=session.pk)
    elif plan.state != "due" and form.is_valid():
        form.add_error(None, _("This session was not saved: your programme changed after you opened the page."))
    context = {
        "plan": plan,
        "form": form,
        "readings": _readings(plan),
        "english_only": True,
        "player_text": player.TEXT,
        **_report_context(request, report),
        **_red_flag_question(request),
    }
    return render(request, "patients/today.html", context)


@require_POST
@patient_required
def mark_reading_read(request, pk):
    try:
        reading = care_plan.mark_read(patient=request.patient, pk=pk)
    except Reading.DoesNotExist:
        raise Http404("No such reading in your programme.") from None
    messages.success(request, _("Marked as read: “%(title)s”.") % {"title": reading.article.title})
    return redirect(f"{reverse('patients:today')}#reading")


@patient_required
def session_done(request, pk):
    exercises = Prefetch("exercises", ExerciseLog.objects.select_related("item__exercise"))
    session = get_object_or_404(request.patient.session_logs.prefetch_related(exercises), pk=pk)
    context = {
        "session": session,
        "advice": _advice(request, session.red_flags),
        "reported": triage.labels(session.red_flags),
    }
    return render(request, "patients/session_done.html", context)


@never_cache
@login_required
def progress(request):
    return _own_page(request, "progress", _progress_page)


@patient_required
def _progress_page(request, tokens: dict):
    context = {"progress": selectors.progress(request.patient), "csrf_token": tokens["csrf_token"]}
    return render(request, "patients/progress.html", context)


@patient_required
def export(request):
    return render(request, "patients/export.html")


@patient_required
def export_file(request, fmt):
    if fmt not in ("csv", "json"):
        raise Http404("We export CSV and JSON.")
    data = selectors.export_data(request.patient)
    if fmt == "csv":
        response = HttpResponse(exports.export_csv(data), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.export_json(data), content_type="application/json; charset=utf-8")
    filename = f"my-exercise-data-{request.patient.local_today():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


def calendar_feed(request, token):
    """No login: the unguessable token in the link is the credential, and rotating it revokes the link."""
    patient = get_object_or_404(Patient.objects.active(), calendar_token=token)
    plan = selectors.today_plan(patient)
    program = plan.program if plan.state not in ("no_program", "paused", "on_hold") else None
    items = selectors.current_items(program) if program and program.current_phase_id else []
    with translation.override(getattr(patient, "language", "") or settings.LANGUAGE_CODE):
        body = exports.routine_calendar(patient=patient, program=program, items=items, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = (
        "attachment" if "download" in request.GET else "inline"
    )  # "Download" saves it; a subscription reads it
    response["Content-Disposition"] = f'{disposition}; filename="my-exercises.ics"'
    response["Cache-Control"] = "no-store, private"
    return response


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: set a first password, be logged in, land on today's routine.

    Django's reset token is bound to the password hash and last login, so the link works once, and it
    expires after PASSWORD_RESET_TIMEOUT. Only an active patient can use it.
    """

    template_name = "patients/welcome.html"
    post_reset_login = True
    # django-axes' backend needs the request's credentials; the token already proved who this is.
    post_reset_login_backend = "portal.backends.UserWithPatientBackend"
    success_url = emails.PATIENT_HOME

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active:
            return None
        language = Patient.objects.active().filter(user=user).values_list("language", flat=True).first()
        if language is None:
            return None
        if language:  # the page speaks the language of the invitation email (log-in keeps it: portal.locale)
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
        return user


def welcome_new(request):
    """Ask for a new invitation link after the old one expired or was used."""
    form = NewInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_new_invitation(email=form.cleaned_data["email"])
        return render(request, "patients/welcome_new.html", {"sent": True})
    return render(request, "patients/welcome_new.html", {"form": form})
