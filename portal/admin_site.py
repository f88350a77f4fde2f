from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from portal.two_factor import requires_two_factor


class PortalAdminSite(admin.AdminSite):
    """The admin, closed to staff who see patient data until they pass two-factor authentication."""

    site_header = "Back & Spine Clinic"
    site_title = "Clinic portal admin"
    index_title = "Clinic administration"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not requires_two_factor(request.user) or request.user.is_verified()

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_staff and requires_two_factor(user) and not user.is_verified():
            query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
            return redirect(f"{reverse('two_factor')}?{query}")
        return super().login(request, extra_context)
