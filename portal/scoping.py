"""The one place that scopes what a staff member sees to their clinic.

Every admin that shows clinical data inherits `ClinicScopedAdmin` and names the
path from its model to the clinic. Another clinic's object is a 404, exactly
like one that does not exist, so existence is never confirmed.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404


def scope_to_clinic(queryset: QuerySet, user, lookup: str) -> QuerySet:
    if user.is_superuser:
        return queryset
    if not user.is_authenticated or not user.clinic_id:
        return queryset.none()
    return queryset.filter(**{lookup: user.clinic_id})


class ClinicScopedAdmin(admin.ModelAdmin):
    clinic_lookup = "clinic"

    def get_queryset(self, request):
        return scope_to_clinic(super().get_queryset(request), request.user, self.clinic_lookup)

    def _require_visible(self, request, object_id):
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._require_visible(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)
