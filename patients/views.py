from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from patients import emails, services
from patients.access import patient_required
from patients.forms import CHECK_IN_FORMS, NewInvitationForm, SettingsForm
from patients.models import Patient
from patients.questionnaires import RED_FLAGS, Questionnaire


@patient_required
def check_in_list(request):
    patient = request.patient
    due = patient.check_in_schedules.filter(active=True, next_due_on__lte=timezone.localdate())
    recent = patient.check_ins.all()[:10]
    return render(request, "patients/check_in_list.html", {"due": due, "recent": recent})


@patient_required
def check_in_form(request, questionnaire):
    form_class = CHECK_IN_FORMS.get(questionnaire)
    if form_class is None:
        raise Http404("No such questionnaire.")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check_in = services.submit_check_in(
            patient=request.patient,
            questionnaire=questionnaire,
            answers=form.answers(),
            red_flags=form.cleaned_data["red_flags"],
            token=form.cleaned_data["token"],
        )
        return redirect("patients:check_in_done", pk=check_in.pk)
    title = Questionnaire(questionnaire).label
    return render(request, "patients/check_in_form.html", {"form": form, "title": title})


@patient_required
def check_in_done(request, pk):
    check_in = get_object_or_404(request.patient.check_ins, pk=pk)
    labels = dict(RED_FLAGS)
    reported = [labels[key] for key in check_in.red_flags if key in labels]
    return render(request, "patients/check_in_done.html", {"check_in": check_in, "reported_red_flags": reported})


@patient_required
def settings_view(request):
    form = SettingsForm(request.POST or None, instance=request.patient)
    if request.method == "POST" and form.is_valid():
        services.update_settings(patient=request.patient, **form.cleaned_data)
        messages.success(request, "Your settings are saved.")
        return redirect("patients:settings")
    return render(request, "patients/settings.html", {"form": form})


@require_POST
@patient_required
def rotate_calendar(request):
    services.rotate_calendar_token(patient=request.patient)
    messages.success(request, "Your calendar link has changed. The old link no longer works.")
    return redirect("patients:settings")


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: set a first password, be logged in, land on today's routine.

    Django's reset token is bound to the password hash and last login, so the link works once, and it
    expires after PASSWORD_RESET_TIMEOUT. Only an active patient can use it.
    """

    template_name = "patients/welcome.html"
    post_reset_login = True
    # django-axes' backend needs the request's credentials; the token already proved who this is.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = emails.PATIENT_HOME

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active or not Patient.objects.active().filter(user=user).exists():
            return None
        return user


def welcome_new(request):
    """Ask for a new invitation link after the old one expired or was used."""
    form = NewInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_new_invitation(email=form.cleaned_data["email"])
        return render(request, "patients/welcome_new.html", {"sent": True})
    return render(request, "patients/welcome_new.html", {"form": form})
