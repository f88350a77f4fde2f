"""Every staff page passes axe-core (WCAG 2.2 AA) at 1280 and 320 px and scrolls sideways at none of 1280, 768 and
320 px: the test walks every changelist, add and change page each staff role can open in the admin (found from the
admin's own registry, so a new model's pages are walked without a line here), plus the home and the patient's page.
A page two roles can open is walked as the first of them (the physio's pages are the clinic admin's too, with the
same clinic's records); the home, which differs by role, is walked as each."""

import contextlib
from collections import Counter

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from portal.demo import DEMO_PASSWORD
from portal.models import Patient
from testing.services import login

pytestmark = pytest.mark.browser
ROLES = ["physio@example.com", "admin@example.com", "editor@example.com"]
WIDTHS = [1280, 768, 320]  # axe at the first and last; every width must not scroll sideways (1366 is wider still)
AXE_WIDTHS = {1280, 320}
WCAG_22_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


def staff_pages(user) -> list[str]:
    """The admin pages `user` may open: for each registered model, its list, its add form and one record."""
    pages = ["/admin/"]
    factory_request = type("Request", (), {"user": user})()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        if not model_admin.has_view_or_change_permission(factory_request):
            continue
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(factory_request):
            with contextlib.suppress(NoReverseMatch):
                pages.append(reverse(f"{name}_add"))
        first = model_admin.get_queryset(factory_request).order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{name}_change", args=[first.pk]))
    if user.has_perm("patients.view_alert"):
        patient = model_admin_queryset(Patient, factory_request).order_by("pk").first()
        if patient:
            pages.append(reverse("admin:portal_patient_progress", args=[patient.pk]))
    return pages


def model_admin_queryset(model, request):
    return admin.site._registry[model].get_queryset(request)


def test_every_staff_page_passes_axe_and_fits_the_screen(transactional_db, settings, _chromium, live_server):
    from django.contrib.auth import get_user_model

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    failures, overflowing, rules, walked, seen = [], [], Counter(), 0, set()
    for email in ROLES:
        user = get_user_model().objects.get(email=email)
        context = _chromium.new_context(base_url=live_server.url)
        context.add_init_script(AXE_SCRIPT)  # axe-core in every page once, run at each width
        try:
            page = context.new_page()
            login(page, email, DEMO_PASSWORD)
            for url in staff_pages(user):
                if url in seen and url != "/admin/":
                    continue
                seen.add(url)
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                response = page.goto(url)
                assert response.status == 200, f"{email} {url}: {response.status}"
                for width in WIDTHS:  # one load, then the same page narrowed (as a phone turned, or a window)
                    page.set_viewport_size({"width": width, "height": 900})
                    page.wait_for_timeout(50)  # the admin's resize listeners
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > width:
                        overflowing.append(f"{email} {url} @{width}: {scroll} px")
                    if width not in AXE_WIDTHS:
                        continue
                    walked += 1
                    violations = page.evaluate("options => axe.run(document, options)", WCAG_22_AA)["violations"]
                    for violation in violations:
                        rules[violation["id"]] += 1
                        targets = [node["target"] for node in violation["nodes"][:3]]
                        failures.append(f"{email} {url} @{width}: {violation['id']} {targets}")
        finally:
            context.close()
    print(f"\n{walked} pages walked; violations by rule: {dict(rules)}; {len(overflowing)} pages overflow")
    print("\n".join(overflowing))
    assert not failures, "\n".join(failures[:60])
    assert not overflowing, "\n".join(overflowing)
