import hashlib
import json

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.models import Emergency


def home(request):
    return render(request, "portal/home.html")


def server_error(request):
    """The 500 page, in the request's language, without the database (which may be why it is shown): the site's
    emergency number, not the clinic's."""
    html = loader.render_to_string("500.html", {"emergency": Emergency.for_clinic(None)})
    return HttpResponseServerError(html)


class LoginView(auth_views.LoginView):
    """Staff land on their home in the admin (a physio's alerts first); everyone else where they did before.
    A `next` the login page was given still wins."""

    def get_default_redirect_url(self):
        if self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "down" for a health probe
        return False


def _broker_status() -> str:
    """Redis or RabbitMQ alike: can a connection to the broker be made within about a second."""
    if settings.CELERY_BROKER_URL == "memory://":
        return "in-process"
    from kombu import Connection

    connection = Connection(settings.CELERY_BROKER_URL, connect_timeout=1, transport_options={"socket_timeout": 1})
    try:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return "ok"
    except Exception:  # any failure means "down" for a health probe
        return "down"
    finally:
        connection.release()


@never_cache
@require_GET
def healthz(request):
    """200 while the database answers: without Redis the site still serves (uncached) and emails wait in the
    outbox, so it says "degraded" rather than taking the node out of a load balancer. 503 without a database."""
    database = "ok" if _database_ok() else "down"
    broker = _broker_status()
    status = "down" if database == "down" else "degraded" if broker == "down" else "ok"
    body = {"status": status, "database": database, "broker": broker}
    return JsonResponse(body, status=503 if status == "down" else 200)


def moved_patient_admin(request, rest: str):
    """The patient admin's address before Patient moved to the portal app (docs/architecture.md).

    308, not 301: a browser repeats a POST (a bookmarked add form, a script) to the new address as a POST.
    """
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    response = HttpResponsePermanentRedirect(f"/{settings.ADMIN_URL}portal/patient/{rest}{query}")
    response.status_code = 308
    return response


# --- The installable web app: manifest and service worker -------------------------------------------------------

# What the service worker keeps for offline use: the patient's pages, and the files they need.
OFFLINE_PAGES = ["/my/", "/my/progress/"]
OFFLINE_FILES = [
    "css/portal.css",
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "patients/player.js",
    "patients/offline.js",
    "patients/red-flags.js",
    "portal/icons/icon-192.png",
]


@require_GET
def service_worker(request):
    """At the site's root so that it may look after every page (a worker's scope is its own folder and below)."""
    precache = [static(name) for name in OFFLINE_FILES]
    context = {
        # A new version (new file names after a deploy) replaces the old files' copies.
        "version": hashlib.sha256(json.dumps(precache).encode()).hexdigest()[:12],
        "precache": json.dumps(precache),
        "offline_pages": json.dumps(OFFLINE_PAGES),
        "forget_on": json.dumps([reverse("login"), reverse("logout")]),
    }
    response = HttpResponse(loader.render_to_string("portal/sw.js", context), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request):
    icons = [
        {"src": static(f"portal/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    manifest = {
        "name": settings.SITE_NAME,
        "short_name": "My exercises",
        "start_url": reverse("patients:today"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5563",
        "icons": icons,
    }
    return JsonResponse(manifest, content_type="application/manifest+json")
