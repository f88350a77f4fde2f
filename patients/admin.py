from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from patients import services
from patients.models import Patient
from portal.scoping import ClinicScopedAdmin

PROFILE_FIELDS = ["clinic", "primary_physio", "date_of_birth", "phone", "timezone"]


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
        email = self.cleaned_data["email"].lower()
        users = get_user_model().objects.filter(email__iexact=email)
        if self.instance.pk:
            users = users.exclude(pk=self.instance.user_id)
        if users.exists():
            raise ValidationError("Someone already uses this email address.")
        return email

    def clean(self):
        cleaned = super().clean()
        clinic, physio = cleaned.get("clinic"), cleaned.get("primary_physio")
        if clinic and physio and physio.clinic_id != clinic.pk:
            self.add_error("primary_physio", "The primary physiotherapist must work at the patient's clinic.")
        return cleaned


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    form = PatientForm
    list_display = ["__str__", "email", "clinic", "primary_physio", "created_at"]
    list_filter = ["clinic", ("archived_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "clinic", "primary_physio"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    fields = ["email", "first_name", "last_name", *PROFILE_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("clinic",)

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
            obj.__dict__.update(created.__dict__)
