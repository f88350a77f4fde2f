from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from portal import media, two_factor, views
from portal.forms import LoginForm, OutboxPasswordResetForm
from portal.outbox import views as outbox_views

# Django's LoginView puts the request's host in `site_name`, over the portal's name.
SITE = {"site_name": settings.SITE_NAME}
handler500 = views.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path(
        "accounts/login/",
        views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True, extra_context=SITE),
        name="login",
    ),
    path("accounts/two-factor/", two_factor.verify, name="two_factor"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm, extra_context=SITE),
        name="password_reset",
    ),
    # The site's own pages, not the admin's templates (which Django's auth views would otherwise borrow).
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(template_name="portal/password_change_form.html"),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="portal/password_change_done.html"),
        name="password_change_done",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("email/unsubscribe/<str:token>/", outbox_views.unsubscribe, name="outbox-unsubscribe"),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.serve, name="media"),
    path("", include("programs.urls")),
    path("", include("articles.urls")),
    path("", include("patients.urls")),
    re_path(
        rf"^{settings.ADMIN_URL}patients/patient/(?P<rest>.*)$", views.moved_patient_admin, name="moved_patient_admin"
    ),
    path(settings.ADMIN_URL, admin.site.urls),
]
