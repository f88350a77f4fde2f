from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def home(request):
    return render(request, "portal/home.html")


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
