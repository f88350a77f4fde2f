import pytest
from axes.models import AccessAttempt
from csp.constants import NONCE, SELF
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from portal.security import ContentSecurityPolicyMiddleware
from testing.services import login


def test_login_locks_after_repeated_failures_with_a_clear_message(client, patient, password):
    for _ in range(5):
        client.post("/accounts/login/", {"username": patient.user.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": patient.user.email, "password": password})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deleting_the_access_attempt_in_the_admin_unlocks(client, superuser, patient, password):
    for _ in range(5):
        client.post("/accounts/login/", {"username": patient.user.email, "password": "wrong"})
    attempt = AccessAttempt.objects.get(username=patient.user.email)
    client.force_login(superuser)
    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"username": patient.user.email, "password": password})
    assert response.status_code == 302


def test_security_headers_on_every_response(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def both_policies(view, **headers):
    """The Content-Security-Policy django-csp's own middleware sets, and the portal's."""
    request = lambda: RequestFactory().get("/", **headers)  # noqa: E731
    theirs = CSPMiddleware(view)(request()).get("Content-Security-Policy")
    ours = ContentSecurityPolicyMiddleware(view)(request()).get("Content-Security-Policy")
    return theirs, ours


def test_the_policy_built_once_is_django_csps_and_follows_the_settings(settings):
    plain = lambda request: HttpResponse("ok")  # noqa: E731
    theirs, ours = both_policies(plain)
    assert ours == theirs and "frame-ancestors 'none'" in ours

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    theirs, ours = both_policies(plain)
    assert ours == theirs == "default-src 'none'"


def test_a_views_own_policy_and_a_nonce_still_go_through_django_csp(settings):
    @csp_update({"img-src": "https://images.example.org"})
    def updated(request):
        return HttpResponse("ok")

    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    theirs, ours = both_policies(updated)
    assert "https://images.example.org" in ours and ours == theirs
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    response = ContentSecurityPolicyMiddleware(with_nonce)(RequestFactory().get("/"))
    assert f"'nonce-{response.content.decode()}'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts/login/", "/admin/", "/admin/portal/patient/", "/admin/portal/patient/add/"],
)
def test_pages_run_without_content_security_policy_violations(browser_page, superuser, password, path):
    violations: list[str] = []
    browser_page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    login(browser_page, superuser.email, password)
    browser_page.goto(path)
    browser_page.wait_for_load_state("networkidle")
    assert violations == []


def test_changing_the_case_of_the_email_does_not_reset_the_count(client, patient, password):
    for variant in ["A", "B", "C", "D", "E"]:
        email = patient.user.email.upper() if variant in "ACE" else patient.user.email
        client.post("/accounts/login/", {"username": email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": patient.user.email, "password": password})
    assert response.status_code == 429
