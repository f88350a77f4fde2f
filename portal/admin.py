from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from portal import accounts, roles
from portal.models import AuditEvent, Clinic, ClinicianProfile, User
from portal.scoping import ClinicScopedAdmin, ReadOnlyAdmin


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_lookup = "pk"
    audited = False
    list_display = ["name", "phone", "email", "timezone", "alert_inbox", "escalate_after_minutes"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "phone", "email", "address", "timezone"]}),
        (
            "Safety: red flags and emergencies",
            {"fields": ["alert_inbox", "escalate_after_minutes", "emergency_number", "emergency_department"]},
        ),
    ]


class ClinicianProfileInline(admin.StackedInline):
    model = ClinicianProfile
    can_delete = True
    extra = 0
    max_num = 1
    verbose_name = "clinical registration (needed to review articles and exercises)"

    # Nobody records their own registration: a clinic admin who is not a clinician cannot make themselves one.
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.pk == request.user.pk) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.pk == request.user.pk) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.pk == request.user.pk) and super().has_delete_permission(request, obj)


@admin.register(User)
class UserAdmin(ClinicScopedAdmin, DjangoUserAdmin):
    """Staff accounts. Patients are created and managed through the patient admin."""

    audited = False
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "clinic", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "clinic"]
    list_select_related = ["clinic"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "clinic")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "clinic", "password1", "password2")}),)
    filter_horizontal = ["groups"]
    inlines = [ClinicianProfileInline]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj else []  # registered once the account exists

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # A clinic admin manages their own clinic's staff (roles.can_manage) and can never grant superuser
        # powers; every account they create or edit is a staff account.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in ("is_superuser", "is_staff")]})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("clinic", "last_login", "date_joined")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or roles.can_manage(request.user, obj))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.grantable_roles(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.clinic_id = request.user.clinic_id
            obj.is_staff, obj.is_superuser = True, False
        super().save_model(request, obj, form, change)
        if not change and obj.is_staff:
            accounts.queue_staff_welcome(obj)  # in the admin's transaction: the account and its email together


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, ClinicScopedAdmin):
    """Readable by the clinic admin; nobody can add, change or delete an entry."""

    audited = False
    list_display = ["at", "actor", "action", "model", "object_id", "ip_address", "path"]
    list_filter = ["action", "model", ("at", admin.DateFieldListFilter)]
    list_select_related = ["actor"]
    search_fields = ["actor__email", "object_id", "path"]
    date_hierarchy = "at"
    show_full_result_count = False


import portal.outbox.admin  # noqa: E402, F401 - registers the outbox admin
