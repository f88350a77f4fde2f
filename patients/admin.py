from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from patients import selectors, services, triage
from patients.models import (
    Alert,
    CheckIn,
    CheckInSchedule,
    ExerciseLog,
    FollowUpRules,
    PathwayStep,
    RedFlagReport,
    SessionLog,
)
from portal import audit
from portal.admin_actions import Note, back_to, confirm_and_apply
from portal.admin_inlines import TabularInline
from portal.models import Patient
from portal.outbox.models import EmailOptOut
from portal.scoping import ClinicScopedAdmin, ReadOnlyAdmin
from portal.security import normalise_email

PROFILE_FIELDS = ["clinic", "primary_physio", "date_of_birth", "phone", "timezone", "language"]


class PatientForm(forms.ModelForm):
    email = forms.EmailField(help_text="The patient logs in with this address; the invitation goes here.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)

    class Meta:
        model = Patient
        fields = PROFILE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            user = self.instance.user
            self.fields["email"].disabled = True
            self.initial.update(email=user.email, first_name=user.first_name, last_name=user.last_name)

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        users = get_user_model().objects.filter(email=email)
        if self.instance.pk:
            users = users.exclude(pk=self.instance.user_id)
        if users.exists():
            # Said the same way whoever has it (this clinic, another one, a staff member), and written to the
            # audit trail: walking addresses to learn who is a patient where shows up there.
            audit.record(self.request, "refused", model="portal.Patient", clinic_id=self.request.user.clinic_id)
            raise ValidationError(
                "This address cannot be used for a new patient. Check it with the patient; "
                "if it is right, ask your clinic admin."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        clinic, physio = cleaned.get("clinic"), cleaned.get("primary_physio")
        if clinic and physio and physio.clinic_id != clinic.pk:
            self.add_error("primary_physio", "The primary physiotherapist must work at the patient's clinic.")
        return cleaned


class CheckInScheduleInline(TabularInline):
    """The patient's outcome questionnaires: started from the clinic's pathway when a programme is assigned."""

    model = CheckInSchedule
    fields = ["questionnaire", "next_due_on", "every_days", "at_discharge", "active"]
    extra = 0
    verbose_name_plural = "outcome check-ins (from the clinic's pathway; change them for this patient here)"


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    form = PatientForm
    list_display = ["__str__", "email", "clinic", "primary_physio", "created_at", "has_password", "progress_link"]
    list_filter = ["clinic", ("archived_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "clinic", "primary_physio"]
    # Newest first, from an index: sorting by name means sorting the clinic's whole list joined to users
    # (35 ms for 20k patients); the name columns still sort on a click, and search finds a patient by name.
    ordering = ["-created_at", "-pk"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    fields = ["email", "first_name", "last_name", *PROFILE_FIELDS, "email_opt_outs"]
    actions = ["archive", "resend_invitation"]
    change_form_template = "admin/portal/patient/change_form.html"
    inlines = [CheckInScheduleInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # the schedule starts when a programme is assigned

    @admin.display(description="password set", boolean=True)
    def has_password(self, patient):
        return not patient.user.password.startswith("!")

    @admin.display(description="emails turned off by the patient")
    def email_opt_outs(self, patient):
        if not patient.pk:
            return "–"
        groups = EmailOptOut.objects.filter(email=patient.user.email.lower()).values_list("group", flat=True)
        return ", ".join(groups) or "none"

    @admin.action(description="Re-send the invitation email (a new one-time link)", permissions=["change"])
    def resend_invitation(self, request, queryset):
        sent = sum(services.resend_invitation(patient=p, by=request.user) for p in queryset.select_related("user"))
        skipped = queryset.count() - sent
        self.message_user(request, f"Queued {sent} invitation(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped}: archived, or already chose a password.", messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are archived, never deleted

    def get_list_filter(self, request):
        # Only a superuser works across clinics: anyone else would be shown the other clinics' names.
        return self.list_filter if request.user.is_superuser else [f for f in self.list_filter if f != "clinic"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.has_perm("patients.view_alert") and not request.user.is_superuser:
            initial.setdefault("primary_physio", request.user.pk)  # a physio adding a patient: their own
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # for the audit trail of refused addresses
        return form

    def get_urls(self):
        progress = path(
            "<path:object_id>/progress/",
            self.admin_site.admin_view(self.progress_view),
            name="portal_patient_progress",
        )
        return [progress, *super().get_urls()]

    @admin.display(description="patient page")
    def progress_link(self, patient):
        url = reverse("admin:portal_patient_progress", args=[patient.pk])
        return format_html('<a href="{}">Open<span class="visually-hidden"> the page of {}</span></a>', url, patient)

    def progress_view(self, request, object_id):
        """The patient's page, the hub a physio works from: profile, programme (assign one, move to the next phase),
        alerts acted on in place, progress and every questionnaire, sessions, emails sent, who viewed the record.
        Another clinic's patient is a 404."""
        patient = get_object_or_404(self.get_queryset(request).select_related("user"), pk=object_id)
        if not self.has_view_permission(request, patient):
            raise PermissionDenied
        self._audit(request, "view", patient)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": patient,
            "title": str(patient),
            "progress": selectors.progress(patient, with_alerts=True),
            "outcomes": selectors.outcomes(patient),
            "page": selectors.patient_page(patient),
            "today": timezone.localdate(),
            "for_staff": True,
            "can_change_alerts": request.user.has_perm("patients.change_alert"),
            "can_assign": request.user.has_perm("programs.add_program"),
            "can_change_program": request.user.has_perm("programs.change_program"),
        }
        return TemplateResponse(request, "admin/portal/patient/progress.html", context)

    @admin.action(description="Archive selected patients (ends their access and follow-ups)", permissions=["change"])
    def archive(self, request, queryset):
        def apply(_note):
            count = services.archive_patients(patients=queryset, by=request.user)
            return f"Archived {count} patient(s): their login is closed and their follow-ups stopped."

        return confirm_and_apply(
            self, request, queryset.select_related("user"), action="archive", title="Archive patients", apply=apply
        )

    def get_readonly_fields(self, request, obj=None):
        return ("email_opt_outs",) if request.user.is_superuser else ("clinic", "email_opt_outs")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "primary_physio" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, clinic_id=request.user.clinic_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_form(self, request, form, change):
        # Saving happens in save_model through the service; the form only validates.
        return form.save(commit=False)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS if name in form.cleaned_data}
        clinic = data.pop("clinic", None) or request.user.clinic
        names = {"first_name": form.cleaned_data["first_name"], "last_name": form.cleaned_data["last_name"]}
        if change:
            services.update_patient(patient=obj, clinic=clinic, **names, **data)
        else:
            created = services.create_patient(clinic=clinic, email=form.cleaned_data["email"], **names, **data)
            obj.pk = created.pk
            obj.refresh_from_db()  # the saved patient, as the admin shows and logs it


class AlertStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("new", "Not yet acknowledged"), ("resolved", "Resolved"), ("all", "All")]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "open") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "new":
            return queryset.filter(acknowledged_at__isnull=True, resolved_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Alert)
class AlertAdmin(ClinicScopedAdmin):
    """Patients needing attention: critical red flags first, then by severity and age.

    Acknowledging stops the escalation; resolving records the outcome; resuming the routine lifts a red
    flag's hold. Each asks for a note on a confirmation page, and each is recorded with who and when."""

    clinic_lookup = "patient__clinic"
    list_display = ["severity_label", "patient", "what", "raised", "state", "routine_on_hold"]
    list_display_links = ["patient"]
    list_filter = [AlertStatusFilter, "severity", "kind", "level", "holds_routine"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__first_name", "patient__user__last_name"]
    fieldsets = [
        (None, {"fields": ["patient", "kind", "severity", "level", "flags_reported", "message", "created_at"]}),
        ("Escalation", {"fields": ["escalate_at", "escalated_at"]}),
        ("Acknowledged", {"fields": ["acknowledged_at", "acknowledged_by", "acknowledged_note"]}),
        ("Resolved", {"fields": ["resolved_at", "resolved_by", "resolved_note"]}),
        (
            "Routine on hold",
            {"fields": ["holds_routine", "paused_program", "hold_lifted_at", "hold_lifted_by", "hold_note"]},
        ),
    ]
    readonly_fields = [f.name for f in Alert._meta.fields] + ["flags_reported"]
    actions = ["acknowledge", "resolve", "resume_routine"]
    show_full_result_count = False

    @admin.display(description="severity", ordering="severity")
    def severity_label(self, alert):
        return format_html(
            '<span class="alert-severity alert-severity-{}">{}</span>',
            alert.get_severity_display().lower(),
            alert.get_severity_display(),
        )

    @admin.display(description="what")
    def what(self, alert):
        return format_html("<strong>{}.</strong> {}", alert.get_kind_display(), alert.message)

    @admin.display(description="raised", ordering="created_at")
    def raised(self, alert):
        return f"{timezone.localtime(alert.created_at):%d %b %H:%M}"

    @admin.display(description="state")
    def state(self, alert):
        if alert.resolved_at:
            return f"Resolved {timezone.localtime(alert.resolved_at):%d %b %H:%M}"
        if alert.acknowledged_at:
            return f"Acknowledged {timezone.localtime(alert.acknowledged_at):%d %b %H:%M}"
        if alert.escalated_at:
            return "Escalated, not acknowledged"
        return "New"

    @admin.display(description="on hold", boolean=True)
    def routine_on_hold(self, alert):
        return alert.holds_routine and alert.hold_lifted_at is None

    @admin.display(description="flags reported")
    def flags_reported(self, alert):
        groups = triage.grouped(alert.flags)
        if not groups:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><strong>{}:</strong> {}</li>", ((t.level.label, "; ".join(f)) for t, f in groups)
            ),
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # -- in place, from the clinician's home: one alert, a note, back to the home ---------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.one_alert_view))
        return [
            path("<int:pk>/acknowledge/", view, {"step": "acknowledge"}, name="patients_alert_acknowledge"),
            path("<int:pk>/resolve/", view, {"step": "resolve"}, name="patients_alert_resolve"),
            *super().get_urls(),
        ]

    def one_alert_view(self, request, pk, step):
        alert = get_object_or_404(self.get_queryset(request).select_related("patient__user"), pk=pk)
        if not self.has_change_permission(request, alert):
            raise PermissionDenied
        note = request.POST.get("note", "")
        alerts = self.get_queryset(request).filter(pk=alert.pk)
        try:
            if step == "acknowledge":
                done = services.acknowledge_alerts(alerts=alerts, by=request.user, note=note)
                message = f"Acknowledged the alert for {alert.patient}: escalation stops."
            else:
                done = services.resolve_alerts(alerts=alerts, by=request.user, note=note)
                message = f"Resolved the alert for {alert.patient}."
        except ValidationError as error:
            self.message_user(request, f"Not saved: {' '.join(error.messages)}", messages.ERROR)
            return redirect(back_to(request, reverse("admin:index")))
        if done:
            self.log_change(
                request, alert, f"{step.capitalize()}d from the home" + (f": {note.strip()}" if note else "")
            )
            self.message_user(request, message, messages.SUCCESS)
        else:
            self.message_user(request, f"Nothing changed: the alert was already {step}d.", messages.WARNING)
        return redirect(back_to(request, reverse("admin:index")))

    @staticmethod
    def _describe(alert) -> str:
        return f"{alert.get_severity_display()} · {alert.patient} · {alert.get_kind_display()}: {alert.message}"

    @admin.action(description="Acknowledge selected alerts (I am dealing with them)", permissions=["change"])
    def acknowledge(self, request, queryset):
        def apply(note):
            count = services.acknowledge_alerts(alerts=queryset, by=request.user, note=note)
            return f"Acknowledged {count} alert(s). Escalation stops for them."

        return confirm_and_apply(
            self,
            request,
            queryset.select_related("patient__user"),
            action="acknowledge",
            title="Acknowledge alerts",
            note=Note(
                "Note (optional)",
                "For example: “Phoned the patient, advised A&E.” Everyone who opens the alert sees it.",
                required=False,
            ),
            apply=apply,
            describe=self._describe,
        )

    @admin.action(description="Resolve selected alerts, with the outcome", permissions=["change"])
    def resolve(self, request, queryset):
        def apply(note):
            count = services.resolve_alerts(alerts=queryset, by=request.user, note=note)
            return f"Resolved {count} alert(s)."

        return confirm_and_apply(
            self,
            request,
            queryset.select_related("patient__user"),
            action="resolve",
            title="Resolve alerts",
            note=Note(
                "Outcome",
                "What happened and what was decided. A red flag's routine stays on hold until you resume it.",
                required=True,
            ),
            apply=apply,
            describe=self._describe,
        )

    @admin.action(description="Resume the routine of the selected alerts' patients", permissions=["change"])
    def resume_routine(self, request, queryset):
        # Only patients still on hold: one resumed already would stop the others with "not on hold".
        patients = Patient.objects.filter(pk__in=queryset.holding().values("patient_id"))

        def apply(note):
            resumed = 0
            for patient in patients:
                services.resume_routine(patient=patient, by=request.user, note=note)
                resumed += 1
            return f"Resumed the routine of {resumed} patient(s)."

        return confirm_and_apply(
            self,
            request,
            queryset.select_related("patient__user"),
            action="resume_routine",
            title="Resume the routine after a red flag",
            note=Note(
                "Why it is safe to resume",
                "For example: “Seen in A&E, cauda equina ruled out; continue the programme.”",
                required=True,
            ),
            apply=apply,
            describe=self._describe,
        )


class PathwayStepInline(TabularInline):
    model = PathwayStep
    fields = ["questionnaire", "first_week", "every_weeks", "at_discharge"]
    extra = 0
    verbose_name_plural = (
        "outcome pathway: the check-ins a programme starts (none here: STarT Back and Oswestry at the start, "
        "Oswestry and PSFS every 2 weeks, GROC at 6 weeks; Oswestry, PSFS and GROC again at discharge)"
    )


@admin.register(FollowUpRules)
class FollowUpRulesAdmin(ClinicScopedAdmin):
    """Each clinic's follow-up emails and alert thresholds; clinic admins edit their own clinic's."""

    clinic_lookup = "clinic"
    list_display = [
        "clinic",
        "reminders_enabled",
        "check_in_reminders_enabled",
        "weekly_summary_enabled",
        "physio_digest_enabled",
        "physio_digest_hour",
    ]
    list_select_related = ["clinic"]
    fieldsets = [
        (None, {"fields": ["clinic"]}),
        (
            "Emails to patients",
            {
                "fields": [
                    "reminders_enabled",
                    "check_in_reminders_enabled",
                    "weekly_summary_enabled",
                    "weekly_summary_weekday",
                ]
            },
        ),
        ("Emails to physiotherapists", {"fields": ["physio_digest_enabled", "physio_digest_hour"]}),
        (
            "Alert thresholds",
            {
                "fields": [
                    "pain_critical_at",
                    "pain_rise_points",
                    "no_session_low_hours",
                    "no_session_high_days",
                    "odi_worse_points",
                    "startback_high_alert",
                    "groc_worse_at",
                ]
            },
        ),
    ]
    inlines = [PathwayStepInline]

    def get_readonly_fields(self, request, obj=None):
        return ("clinic",) if obj is not None or not request.user.is_superuser else ()

    # Whoever may change the clinic (clinic admins) may change its rules; physios only see them.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and request.user.has_perm("portal.change_clinic")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return True
        if request.user.clinic_id is None or not request.user.has_perm("portal.change_clinic"):
            return False
        has_rules = FollowUpRules.objects.filter(clinic_id=request.user.clinic_id).exists()
        return super().has_add_permission(request) and not has_rules

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.clinic_id = request.user.clinic_id
        super().save_model(request, obj, form, change)


class ExerciseLogInline(TabularInline):
    model = ExerciseLog
    fields = ["item", "sets_done", "reps_done", "minutes_done", "side", "pain", "difficulty", "stopped_for_pain"]
    readonly_fields = fields = [*fields, "prescribed"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item__exercise")


class PatientRecordAdmin(ReadOnlyAdmin, ClinicScopedAdmin):
    """What a patient recorded (sessions, check-ins, red flags): read-only, their record, not staff's to edit."""

    clinic_lookup = "patient__clinic"
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__first_name", "patient__user__last_name"]


@admin.register(SessionLog)
class SessionLogAdmin(PatientRecordAdmin):
    """What patients logged at home."""

    list_display = ["performed_on", "patient", "pain_before", "pain_after", "difficulty", "exercise_count", "flagged"]
    list_display_links = ["performed_on", "patient"]
    list_filter = ["difficulty", ("performed_on", admin.DateFieldListFilter)]
    readonly_fields = [f.name for f in SessionLog._meta.fields]
    inlines = [ExerciseLogInline]
    show_full_result_count = False

    def get_queryset(self, request):
        # A correlated subquery, not Count(): it runs for the page's rows only, and COUNT(*) for the
        # paginator stays a plain count instead of grouping every session of the clinic.
        per_session = ExerciseLog.objects.filter(session=OuterRef("pk")).values("session")
        exercise_total = Subquery(per_session.annotate(total=Count("pk")).values("total"))
        return super().get_queryset(request).annotate(exercise_total=Coalesce(exercise_total, 0))

    @admin.display(description="exercises", ordering="exercise_total")
    def exercise_count(self, session):
        return session.exercise_total

    @admin.display(description="red flags")
    def flagged(self, session):
        return "; ".join(triage.labels(session.red_flags)) or "–"


@admin.register(CheckIn)
class CheckInAdmin(PatientRecordAdmin):
    """Questionnaires as the patient answered them."""

    list_display = ["submitted_at", "patient", "questionnaire", "score", "band", "flagged"]
    list_display_links = ["submitted_at", "patient"]
    list_filter = ["questionnaire", ("submitted_at", admin.DateFieldListFilter)]
    readonly_fields = [f.name for f in CheckIn._meta.fields]

    @admin.display(description="red flags")
    def flagged(self, check_in):
        return "; ".join(triage.labels(check_in.red_flags)) or "–"


@admin.register(RedFlagReport)
class RedFlagReportAdmin(PatientRecordAdmin):
    """Every red flag a patient ticked, saved before the rest of the form was checked."""

    list_display = ["reported_at", "patient", "level", "what", "source", "alert"]
    list_display_links = ["reported_at", "patient"]
    list_filter = ["level", "source"]
    list_select_related = ["patient__user", "alert"]
    readonly_fields = [f.name for f in RedFlagReport._meta.fields]

    @admin.display(description="what")
    def what(self, report):
        return "; ".join(report.flag_labels)


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("today", "Due today"), ("week", "Due in the next 7 days"), ("none", "Not due")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "overdue":
                return queryset.filter(active=True, next_due_on__lt=today)
            case "today":
                return queryset.filter(active=True, next_due_on=today)
            case "week":
                return queryset.filter(active=True, next_due_on__gt=today, next_due_on__lte=today + timedelta(days=7))
            case "none":
                return queryset.filter(Q(active=False) | Q(next_due_on__isnull=True))
        return queryset


@admin.register(CheckInSchedule)
class CheckInScheduleAdmin(ClinicScopedAdmin):
    """Due and overdue check-ins across the caseload (completed ones: Check-ins). Dates are the clinic's."""

    clinic_lookup = "patient__clinic"
    list_display = ["patient", "questionnaire", "next_due_on", "state", "every_days", "at_discharge", "active"]
    list_display_links = ["patient", "questionnaire"]
    list_filter = [DueFilter, "questionnaire", "active"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__first_name", "patient__user__last_name"]
    ordering = ["next_due_on", "pk"]
    fields = ["patient", "questionnaire", "next_due_on", "every_days", "at_discharge", "active"]
    readonly_fields = ["patient", "questionnaire"]

    def has_add_permission(self, request):
        return False  # a programme's assignment starts them; the patient's page adds one

    def has_delete_permission(self, request, obj=None):
        return False  # stop one instead (active)

    @admin.display(description="state")
    def state(self, schedule):
        if not schedule.active or schedule.next_due_on is None:
            return "not due"
        days = (schedule.next_due_on - timezone.localdate()).days
        return "overdue" if days < 0 else "due today" if days == 0 else f"in {days} day(s)"
