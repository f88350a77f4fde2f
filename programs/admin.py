from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from portal import diff
from portal.admin_actions import apply_to_each, back_to
from portal.admin_inlines import TabularInline
from portal.models import Patient
from portal.scoping import ClinicScopedAdmin, ReadOnlyAdmin
from programs import exercise_review, history, services
from programs.forms import (
    AssignProgramForm,
    ExerciseImageForm,
    KnownLabelsAutocomplete,
    ListedModelChoiceField,
    ProgramChangeForm,
)
from programs.handouts_store import open_handout
from programs.models import (
    Dosage,
    Exercise,
    ExerciseChange,
    ExerciseImage,
    Program,
    ProgramChange,
    ProgramItem,
    ProgramPhase,
    ProgramTemplate,
    TemplateItem,
    TemplatePhase,
)

SORTABLE_MEDIA = forms.Media(js=["programs/admin-sortable.js"], css={"all": ["programs/admin-sortable.css"]})


# --- Library (shared by every clinic) ------------------------------------------------------------


class ExerciseImageInline(TabularInline):
    model = ExerciseImage
    form = ExerciseImageForm
    extra = 1
    classes = ["sortable-inline"]
    readonly_fields = ["shown"]

    @admin.display(description="shown to patients")
    def shown(self, obj):
        if obj.pk is None:
            return "–"  # a row being added
        if obj.approved_at is None:
            return "Not yet: waits for a clinician's approval"
        return format_html("Yes, approved by {}", obj.approved_by or "a clinician")


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "body_region", "kind", "difficulty", "updated_at"]
    list_filter = ["body_region", "kind", "difficulty"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ExerciseImageInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["approval"]
    fieldsets = [
        (None, {"fields": ["approval", "name", "slug", "body_region", "kind", "difficulty", "summary", "equipment"]}),
        ("How to do it", {"fields": ["instructions", "what_to_feel", "cautions"]}),
        ("Video", {"fields": ["video_url", "video_file"]}),
        ("Default dosage", {"fields": Dosage.DOSAGE_FIELDS}),
    ]

    # --- the clinical text changes when a clinician approves it (programs.exercise_review) -----------------

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def get_object(self, request, object_id, from_field=None):
        """The form shows the working version: the approved exercise with its waiting change applied."""
        exercise = super().get_object(request, object_id, from_field)
        change = ExerciseChange.objects.filter(exercise=exercise).select_related("changed_by").first()
        if exercise is not None and change is not None:
            for name, value in change.values.items():
                setattr(exercise, name, value)
            exercise.waiting_change = change
        return exercise

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(pictures_waiting=Count("images", filter=Q(images__approved_at__isnull=True)))
        )

    def save_model(self, request, obj, form, change):
        waiting = exercise_review.save_exercise(exercise=obj, user=request.user)
        if waiting is not None:
            self.message_user(
                request,
                f"Your change to “{waiting.exercise.name}” waits for a clinician's approval: patients see the "
                "approved text until then.",
                messages.WARNING,
            )

    @admin.display(description="Text")
    def approval(self, obj):
        if not obj or not obj.pk:
            return "A new exercise: later changes to its text wait for a clinician's approval."
        change = getattr(obj, "waiting_change", None)
        changes_link = reverse("admin:programs_exercise_changes", args=[obj.pk])
        if change is not None:
            return format_html(
                "This form shows a change by {} ({}) that waits for approval; patients see the approved text. "
                '<a href="{}">See the changes and approve them</a>.',
                change.changed_by or "someone",
                date_format(timezone.localtime(change.changed_at), "j M Y H:i"),
                changes_link,
            )
        waiting = getattr(obj, "pictures_waiting", 0)
        if waiting:
            return format_html(
                '{} for a clinician\'s approval before patients see them. <a href="{}">See them and approve them</a>.',
                "1 new picture waits" if waiting == 1 else f"{waiting} new pictures wait",
                changes_link,
            )
        if obj.last_reviewed:
            reviewer = obj.reviewed_by or "a clinician"
            return format_html("Approved by {} on {}.", reviewer, date_format(obj.last_reviewed))
        return "Not clinically reviewed yet; a change to its text waits for a clinician's approval."

    def get_urls(self):
        view = self.admin_site.admin_view(self.changes_view)
        changes = path("<int:pk>/changes/", view, name="programs_exercise_changes")
        return [changes, *super().get_urls()]

    def changes_view(self, request, pk):
        exercise = get_object_or_404(Exercise, pk=pk)
        if not self.has_view_permission(request, exercise):
            raise PermissionDenied
        change = ExerciseChange.objects.select_related("changed_by").filter(exercise=exercise).first()
        pictures = list(exercise_review.pending_images(exercise))
        if change is None and not pictures:
            raise Http404("Nothing waits for approval.")
        can_approve = request.user.has_perm(exercise_review.REVIEW_PERMISSION)
        if request.method == "POST":
            if not can_approve:
                raise PermissionDenied
            exercise_review.approve_change(exercise=exercise, user=request.user)
            self.message_user(request, f"The change is live: “{exercise.name}” now shows the approved text.")
            return redirect("admin:programs_exercise_change", pk)
        labels = {name: capfirst(Exercise._meta.get_field(name).verbose_name) for name in Exercise.CLINICAL_FIELDS}
        labels["cautions"] = "Stop if (cautions)"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Changes to “{exercise.name}”",
            "exercise": exercise,
            "change": change,
            "changes": diff.changes(exercise_review.clinical_values(exercise), change.values, labels) if change else [],
            "pictures": pictures,
            "can_approve": can_approve,
        }
        return TemplateResponse(request, "admin/programs/exercise/changes.html", context)


class TemplatePhaseInline(TabularInline):
    model = TemplatePhase
    extra = 1
    show_change_link = True
    classes = ["sortable-inline"]
    fields = ["order", "title", "duration_weeks", "note"]


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "condition", "updated_at"]
    search_fields = ["name", "condition"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TemplatePhaseInline]

    @property
    def media(self):
        return super().media + SORTABLE_MEDIA


class KnownExercisesInline(TabularInline):
    """An inline whose exercise autocomplete labels every row from one query."""

    def exercise_rows(self, obj):
        return obj.items.all()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        widget = formset.form.base_fields["exercise"].widget
        inner = getattr(widget, "widget", widget)
        if obj is not None:
            rows = self.exercise_rows(obj).order_by().values_list("exercise_id", "exercise__name").distinct()
            inner.known_labels = {str(pk): name for pk, name in rows}
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "exercise":
            kwargs["widget"] = KnownLabelsAutocomplete(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TemplateItemInline(KnownExercisesInline):
    model = TemplateItem

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exercise", "phase")

    extra = 1
    template = "admin/edit_inline/stacked.html"  # cards, as in the programme editor
    classes = ["sortable-inline", "program-items"]
    fieldsets = [
        (None, {"fields": [("exercise", "order")]}),
        ("Dosage", {"fields": [("sets", "reps", "hold_seconds", "rest_seconds", "duration_minutes")]}),
        (None, {"fields": [("times_per_day", "days_per_week", "side"), "note"]}),
    ]


@admin.register(TemplatePhase)
class TemplatePhaseAdmin(admin.ModelAdmin):
    list_display = ["title", "template", "order", "duration_weeks"]
    list_select_related = ["template"]
    search_fields = ["title", "template__name"]
    autocomplete_fields = ["template"]
    inlines = [TemplateItemInline]

    @property
    def media(self):
        return super().media + SORTABLE_MEDIA


# --- Programs (scoped to the physio's clinic) ----------------------------------------------------


class ProgramPhaseInline(TabularInline):
    model = ProgramPhase
    extra = 0
    can_delete = False  # items point at phases; a phase is corrected, not deleted
    classes = ["sortable-inline"]
    fields = ["order", "title", "start_date", "end_date", "note"]
    formfield_overrides = {ProgramPhase._meta.get_field("note").__class__: {"widget": forms.TextInput}}


class ProgramItemInline(KnownExercisesInline):
    model = ProgramItem
    extra = 1
    # Cards, not a table row of 13 columns: every field labelled, wrapping to the screen (1366 px, a tablet).
    template = "admin/edit_inline/stacked.html"
    classes = ["sortable-inline", "program-items"]
    fieldsets = [
        (None, {"fields": [("exercise", "phase", "order")]}),
        ("Dosage", {"fields": [("sets", "reps", "hold_seconds", "rest_seconds", "duration_minutes")]}),
        (None, {"fields": [("times_per_day", "days_per_week", "side"), "note"]}),
    ]
    verbose_name = "exercise"
    verbose_name_plural = "exercises (drag a card, or use its arrows, to reorder)"

    def get_queryset(self, request):
        return super().get_queryset(request).current().select_related("exercise")

    def has_delete_permission(self, request, obj=None):
        # "Delete" here only takes the exercise out of the program (see remove_program_item): a change.
        return self.has_change_permission(request, obj)

    def exercise_rows(self, obj):
        return obj.items.current()

    def get_formset(self, request, obj=None, **kwargs):
        self._program = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        program = getattr(self, "_program", None)
        if db_field.name == "phase":
            queryset = program.phases.order_by("order", "pk") if program else ProgramPhase.objects.none()
            return ListedModelChoiceField(queryset, required=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProgramChangeInline(ReadOnlyAdmin, TabularInline):
    model = ProgramChange
    fk_name = "program"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "history of changes"
    fields = ["change"]
    readonly_fields = fields

    @admin.display(description="change, by whom, when")
    def change(self, obj):
        return history.sentence(obj, self._phases)

    def get_formset(self, request, obj=None, **kwargs):
        self._phases = dict(obj.phases.values_list("pk", "title")) if obj else {}
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "item__exercise")


@admin.register(Program)
class ProgramAdmin(ClinicScopedAdmin):
    clinic_lookup = "patient__clinic"
    list_display = [
        "patient",
        "physio",
        "title",
        "current_phase",
        "status",
        "sessions_last_7_days",
        "last_activity",
    ]
    list_filter = ["status"]
    list_select_related = ["patient__user", "physio", "current_phase"]
    search_fields = ["patient__user__email", "patient__user__first_name", "patient__user__last_name", "title"]
    autocomplete_fields = ["patient", "template"]
    actions = ["advance_phase", "pause", "resume", "complete", "duplicate"]
    change_form_template = "admin/programs/program/change_form.html"
    change_list_template = "admin/programs/program/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return False  # a prescribed program is clinical history: complete or pause it instead

    def get_queryset(self, request):
        return super().get_queryset(request).with_activity()

    @admin.display(description="sessions (7 days)", ordering="sessions_last_7_days")
    def sessions_last_7_days(self, obj):
        return obj.sessions_last_7_days

    @admin.display(description="last activity", ordering="last_activity")
    def last_activity(self, obj):
        return obj.last_activity

    # -- forms ---------------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ProgramChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["patient", "physio", "template", "status", "current_phase", "title", "goals", "start_date"]

    def add_view(self, request, form_url="", extra_context=None):
        """One door for assigning: "Add program" is the assign page (the query string, e.g. ?patient=, kept)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
        return redirect(reverse("admin:programs_program_assign") + query)

    def get_readonly_fields(self, request, obj=None):
        return ["patient", "physio", "template", "status", "current_phase"] if obj else []

    # The articles app adds the reading list before the history (articles.admin): this app cannot name articles.
    inlines = [ProgramPhaseInline, ProgramItemInline, ProgramChangeInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def get_changeform_initial_data(self, request):
        return {
            "physio": request.user.pk,
            "start_date": timezone.localdate(),
            **super().get_changeform_initial_data(request),
        }

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "physio" and not request.user.is_superuser:
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, clinic_id=request.user.clinic_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @property
    def media(self):
        return super().media + SORTABLE_MEDIA

    # -- saving through the services -------------------------------------------------------------

    def save_form(self, request, form, change):
        return form.save(commit=False)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data  # only the change form: adding goes through the assign page
        # The form has already written the new values into `obj`: the service compares them with the stored row.
        stored = Program.objects.get(pk=obj.pk)
        services.update_program(
            program=stored, actor=request.user, title=data["title"], goals=data["goals"], start_date=data["start_date"]
        )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is ProgramPhase:
            _save_phases(request, form.instance, formset)
        elif formset.model is ProgramItem:
            _save_items(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)  # an inline of an app above (its formset's save)

    # -- actions -------------------------------------------------------------------------------

    def _run(self, request, queryset, service, done: str):
        def apply(program):
            service(program=program, actor=request.user)

        apply_to_each(self, request, queryset.select_related("patient__user"), apply, done)

    @admin.action(description="Move to the next phase", permissions=["change"])
    def advance_phase(self, request, queryset):
        self._run(request, queryset, services.advance_phase, "moved to the next phase")

    @admin.action(description="Pause", permissions=["change"])
    def pause(self, request, queryset):
        self._run(request, queryset, services.pause_program, "paused")

    @admin.action(description="Resume", permissions=["change"])
    def resume(self, request, queryset):
        self._run(request, queryset, services.resume_program, "resumed")

    @admin.action(description="Complete", permissions=["change"])
    def complete(self, request, queryset):
        self._run(request, queryset, services.complete_program, "completed")

    @admin.action(description="Duplicate (as a paused copy)", permissions=["add"])
    def duplicate(self, request, queryset):
        self._run(request, queryset, services.duplicate_program, "duplicated")

    # -- extra pages ---------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("assign/", view(self.assign_view), name="programs_program_assign"),
            path("<int:pk>/handout.pdf", view(self.handout_view), name="programs_program_handout"),
            path("<int:pk>/advance/", view(require_POST(self.advance_view)), name="programs_program_advance"),
            *super().get_urls(),
        ]

    def assign_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        patients = _clinic_patients(request.user)
        physios = get_user_model().objects.filter(is_staff=True, is_active=True)
        if not request.user.is_superuser:
            physios = physios.filter(clinic_id=request.user.clinic_id)
        initial = {"physio": request.user.pk, "patient": request.GET.get("patient")}
        form = AssignProgramForm(
            request.POST or None, initial=initial, patients=patients, physios=physios, admin_site=self.admin_site
        )
        if request.method == "POST" and form.is_valid():
            try:
                data = {**form.cleaned_data, "physio": form.cleaned_data["physio"] or request.user}
                program = services.assign_program(**data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"Assigned “{program.title}” to {program.patient}.", messages.SUCCESS)
                return redirect(reverse("admin:programs_program_change", args=[program.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Assign a programme to a patient",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/programs/program/assign.html", context)

    def advance_view(self, request, pk):
        """ "Move to the next phase" from the patient's page: one programme, then back where the physio was."""
        program = get_object_or_404(self.get_queryset(request).select_related("patient__user"), pk=pk)
        if not self.has_change_permission(request, program):
            raise PermissionDenied
        try:
            phase = services.advance_phase(program=program, actor=request.user)
        except ValidationError as error:
            self.message_user(request, f"Not moved: {' '.join(error.messages)}", messages.ERROR)
        else:
            self.message_user(request, f"{program.patient} moved on to “{phase.title}” today.", messages.SUCCESS)
        return redirect(back_to(request, reverse("admin:programs_program_change", args=[program.pk])))

    def handout_view(self, request, pk):
        program = self.get_object(request, str(pk))
        if program is None or not self.has_view_permission(request, program):
            raise Http404("No such program.")
        stored = open_handout(program)
        self._audit(request, "export", program)
        response = FileResponse(stored, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="program-{program.pk}-handout.pdf"'
        response["Cache-Control"] = "no-store, private"
        return response


def _clinic_patients(user):
    patients = Patient.objects.active()
    return patients if user.is_superuser else patients.filter(clinic_id=user.clinic_id)


def _save_phases(request, program, formset):
    for phase_form in formset.forms:
        if not phase_form.has_changed():
            continue
        data = {name: phase_form.cleaned_data[name] for name in ["order", "title", "start_date", "end_date", "note"]}
        if phase_form.instance.pk is None or phase_form.instance._state.adding:
            data["order"] = data["order"] or None  # a row left at 0 goes after the last phase
            formset.new_objects.append(services.add_phase(program=program, actor=request.user, **data))
        else:
            phase = ProgramPhase.objects.get(pk=phase_form.instance.pk)
            formset.changed_objects.append(
                (services.update_phase(phase=phase, actor=request.user, **data), phase_form.changed_data)
            )


def _save_items(request, program, formset):
    deleted = set(formset.deleted_forms)
    for item_form in formset.forms:
        is_new = item_form.instance._state.adding
        if item_form in deleted:
            if not is_new:
                item = ProgramItem.objects.select_related("exercise", "program").get(pk=item_form.instance.pk)
                formset.deleted_objects.append(services.remove_program_item(item=item, actor=request.user))
            continue
        if not item_form.has_changed():
            continue
        data = item_form.cleaned_data
        values = {name: data[name] for name in [*Dosage.DOSAGE_FIELDS, "note", "order"]}
        if is_new:
            item = services.add_program_item(
                program=program, actor=request.user, exercise=data["exercise"], phase=data["phase"], **values
            )
            formset.new_objects.append(item)
        else:
            item = ProgramItem.objects.select_related("exercise", "program").get(pk=item_form.instance.pk)
            if data["exercise"].pk != item.exercise_id:
                # Another exercise is another prescription: the old one ends, the new one starts.
                services.remove_program_item(item=item, actor=request.user)
                services.add_program_item(
                    program=program, actor=request.user, exercise=data["exercise"], phase=data["phase"], **values
                )
                continue
            item = services.update_program_item(item=item, actor=request.user, phase=data["phase"], **values)
            formset.changed_objects.append((item, item_form.changed_data))


@admin.register(ProgramChange)
class ProgramChangeAdmin(ReadOnlyAdmin, ClinicScopedAdmin):
    clinic_lookup = "program__patient__clinic"
    list_display = ["at", "program", "actor", "action", "what_changed"]
    list_filter = ["action"]
    list_select_related = ["program", "actor", "item__exercise"]
    search_fields = ["summary", "program__title", "program__patient__user__email"]
    readonly_fields = ["program", "item", "actor", "at", "action", "summary", "before", "after"]

    @admin.display(description="change")
    def what_changed(self, obj):
        return history.what_changed(obj)
